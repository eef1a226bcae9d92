import XCTest
@testable import GSAU

/// Split matrix products (ProductThreads.swift), for both split directions and every transpose
/// combination, with beta 0 and 1: the same bits on every call with the same thread count, and
/// the unsplit product (one plain sgemm call) up to rounding for every thread count.
final class ProductThreadsTests: XCTestCase {
    func testSplitProductsAreReproducibleAndCorrectForAnyThreadCount() {
        let saved = BLASInfo.threads
        defer { BLASInfo.setThreads(saved) }
        var rng = TestRandom(seed: 3)
        // (m, n, k): split by rows; too few rows, so split by columns; too small to split.
        for (m, n, k) in [(300, 70, 64), (40, 1000, 64), (512, 129, 33), (8, 8, 8)] {
            for (transA, transB) in [(false, false), (false, true), (true, false), (true, true)] {
                let a = (0..<(m * k)).map { _ in Float(rng.uniform() - 0.5) }
                let b = (0..<(k * n)).map { _ in Float(rng.uniform() - 0.5) }
                let start = (0..<(m * n)).map { _ in Float(rng.uniform()) }
                var results: [[Float]] = []
                for threads in [1, 2, 3, 8] {
                    BLASInfo.setThreads(threads)
                    for beta: Float in [0, 1] {
                        var first: [Float] = []
                        for call in 0..<2 {
                            var c = start
                            matmul(a, transA: transA, b, transB: transB, into: &c, m: m, n: n, k: k, beta: beta)
                            if call == 0 { first = c } else {
                                XCTAssertTrue(c.map(\.bitPattern) == first.map(\.bitPattern),
                                              "\(m)x\(n)x\(k) \(transA) \(transB) threads \(threads): not reproducible")
                            }
                        }
                        if beta == 0 { results.append(first) }
                        else { for i in 0..<(m * n) { XCTAssertEqual(first[i] - start[i], results.last![i], accuracy: 1e-4) } }
                    }
                }
                // Every thread count agrees with the unsplit product (threads 1: one plain sgemm call).
                for r in results.dropFirst() {
                    let worst = zip(r, results[0]).map { abs($0 - $1) }.max() ?? 0
                    XCTAssertLessThanOrEqual(worst, 1e-4, "\(m)x\(n)x\(k) \(transA) \(transB)")
                }
            }
        }
    }
}
