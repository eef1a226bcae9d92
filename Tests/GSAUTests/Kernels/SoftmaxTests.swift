import XCTest
@testable import GSAU

/// The row softmax shared by attention and cross-entropy: values against a direct evaluation, the
/// returned max and sum (log-sum-exp), the folded scale, shift invariance, and Float against Double.
final class SoftmaxTests: XCTestCase {
    private func softmax<T: GSAUScalar>(_ x: [Double], scale: Double = 1, as _: T.Type) -> (row: [Double], max: Double, sum: Double) {
        let X = KernelBuffer<T>(converting: x)
        let (m, s) = softmaxInPlace(X.p, count: x.count, scale: T(scale))
        return (X.doubles, Double(m), Double(s))
    }

    func testMatchesDirectEvaluation() {
        var rnd = TestRandom(seed: 60)
        for n in [1, 7, 8, 9, 50, 1000] {                      // below, at and above the eight lanes
            let x = rnd.array(n, scale: 4)
            let m = x.max()!, e = x.map { Double.exp($0 - m) }, s = e.reduce(0, +)
            let (row, max, sum) = softmax(x, scale: 0.25, as: Double.self)
            XCTAssertEqual(max, m)
            XCTAssertEqual(sum, s, accuracy: 1e-12 * s)
            for j in 0..<n { XCTAssertEqual(row[j], 0.25 * e[j] / s, accuracy: 1e-15, "n \(n), j \(j)") }
            let f = softmax(x, as: Float.self)
            for j in 0..<n { XCTAssertEqual(f.row[j], e[j] / s, accuracy: 2e-6 * e[j] / s + 1e-9, "Float, n \(n), j \(j)") }
            XCTAssertEqual(Double.log(f.sum) + f.max, Double.log(s) + m, accuracy: 1e-5)
        }
    }

    func testShiftInvariantForHugeValues() {
        var rnd = TestRandom(seed: 61)
        let x = rnd.array(20)
        // Shifted in Double (Float cannot hold x + 1000 to better than 3e-5).
        let base = softmax(x, as: Float.self), shifted = softmax(x.map { $0 + 1000 }, as: Double.self)
        XCTAssertTrue(shifted.row.allSatisfy { $0.isFinite })
        XCTAssertLessThan(KernelCheck.maxAbsDiff(base.row, shifted.row), 1e-6)
        XCTAssertEqual(shifted.max - base.max, 1000, accuracy: 1e-3)
    }
}
