import XCTest
@testable import GSAU

/// A random user–item adjacency for kernel tests (PAD id 0 never used, some items isolated).
func graphKernelRandomAdjacency<T: GSAUScalar>(users: Int, items: Int, edges: Int, seed: UInt64,
                                               as _: T.Type = T.self) throws -> CSRMatrix<T> {
    var random = TestRandom(seed: seed)
    let u = (0..<edges).map { _ in Int32(1 + random.next() % UInt64(users - 1)) }
    // Items drawn from 1 ..< items - 1: the last item stays isolated.
    let j = (0..<edges).map { _ in Int32(1 + random.next() % UInt64(max(1, items - 2))) }
    return try normalizedAdjacency(userIds: u, itemIds: j, userCount: users, itemCount: items)
}

/// Prints the worst |analytic − numeric| of a finite-difference check, for the test log.
func graphKernelReportGradient(_ name: String, analytic: [Double], numeric: [(index: Int, value: Double)]) {
    var worst = 0.0, largest = 0.0
    for (i, g) in numeric { worst = max(worst, abs(analytic[i] - g)); largest = max(largest, abs(g)) }
    print("GRADCHECK \(name): \(numeric.count) coords, max |analytic - numeric| = \(worst), max |grad| = \(largest)")
}

final class GraphSparseMatMulTests: XCTestCase {
    /// Â·X against a dense reference product (Double).
    func testForwardMatchesDenseProduct() throws {
        let a: CSRMatrix<Double> = try graphKernelRandomAdjacency(users: 12, items: 9, edges: 40, seed: 1)
        let n = a.rowCount, d = 5
        var random = TestRandom(seed: 2)
        let x = random.array(n * d)
        var dense = [Double](repeating: 0, count: n * n)
        for r in 0..<n { for s in a.rowOffsets[r]..<a.rowOffsets[r + 1] { dense[r * n + Int(a.colIndices[s])] = a.values[s] } }
        var y = [Double](repeating: .nan, count: n * d)          // overwritten, NaN must not survive
        x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { yp in
            sparseMatMulForward(a, x: xp.baseAddress!, y: yp.baseAddress!, width: d, threads: 2)
        } }
        var worst = 0.0
        for r in 0..<n {
            for k in 0..<d {
                var s = 0.0
                for c in 0..<n { s += dense[r * n + c] * x[c * d + k] }
                worst = max(worst, abs(s - y[r * d + k]))
            }
        }
        XCTAssertLessThanOrEqual(worst, 1e-14)
    }

    /// The result does not depend on the thread count: bit-identical for 1, 2, 3 and 8 workers,
    /// in overwrite and in accumulate mode.
    func testThreadCountIndependence() throws {
        let a: CSRMatrix<Float> = try graphKernelRandomAdjacency(users: 3000, items: 1500, edges: 30000, seed: 3)
        let n = a.rowCount, d = 16
        var random = TestRandom(seed: 4)
        let x = random.array(n * d).map { Float($0) }
        let start = random.array(n * d).map { Float($0) }
        func run(_ threads: Int, accumulate: Bool) -> [Float] {
            var y = start
            x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { yp in
                sparseMatMul(a, xp.baseAddress!, into: yp.baseAddress!, width: d, accumulate: accumulate, threads: threads)
            } }
            return y
        }
        for accumulate in [false, true] {
            let reference = run(1, accumulate: accumulate)
            XCTAssertNotEqual(reference, start)
            for threads in [0, 2, 3, 8] {
                let y = run(threads, accumulate: accumulate)
                XCTAssertTrue(y.elementsEqual(reference) { $0.bitPattern == $1.bitPattern },
                              "threads \(threads), accumulate \(accumulate): not bit-identical")
            }
        }
    }

    /// Backward `dx += Â·dy` against finite differences of the scalar projection
    /// `L(X) = Σ R ∘ (Â X)` (Double, central differences, h = 1e-6, atol 1e-9 + rtol 1e-6).
    func testBackwardGradient() throws {
        let a: CSRMatrix<Double> = try graphKernelRandomAdjacency(users: 8, items: 7, edges: 25, seed: 5)
        let n = a.rowCount, d = 3
        var random = TestRandom(seed: 6)
        let x = random.array(n * d)
        let projection = random.array(n * d)
        func loss(_ x: [Double]) -> Double {
            var y = [Double](repeating: 0, count: n * d)
            x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { yp in
                sparseMatMulForward(a, x: xp.baseAddress!, y: yp.baseAddress!, width: d, threads: 1)
            } }
            return zip(y, projection).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let offset = random.array(n * d)              // the backward accumulates onto existing values
        var dx = offset
        projection.withUnsafeBufferPointer { rp in dx.withUnsafeMutableBufferPointer { dp in
            sparseMatMulBackward(a, dy: rp.baseAddress!, dx: dp.baseAddress!, width: d, threads: 2)
        } }
        let analytic = zip(dx, offset).map { $0 - $1 }
        let numeric = GradientCheck.numeric(x, step: 1e-6, loss)
        GradientCheck.assertClose(analytic: analytic, numeric: numeric, atol: 1e-9, rtol: 1e-6, "SpMM dX")
        graphKernelReportGradient("SpMM dX", analytic: analytic, numeric: numeric)
    }

    func testEmptyMatrix() throws {
        let a: CSRMatrix<Float> = try normalizedAdjacency(userIds: [], itemIds: [], userCount: 2, itemCount: 2)
        var y = [Float](repeating: 5, count: 8)
        let x = [Float](repeating: 1, count: 8)
        x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { yp in
            sparseMatMulForward(a, x: xp.baseAddress!, y: yp.baseAddress!, width: 2)
        } }
        XCTAssertEqual(y, [Float](repeating: 0, count: 8))
    }
}
