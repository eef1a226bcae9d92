import XCTest
@testable import GSAU

// Finite differences on the Float64 path, tolerance |a − n| ≤ 1e-7 + 1e-5·|n|:
//  - ordinary rows: central, step h = 1e-6;
//  - rows with ‖x‖ < 1e-12 (the linear branch y = x / 1e-12): step h = 1e-15, so every probe stays
//    below the threshold; gradients there are O(1e12), and the rounding error of the probe is far
//    inside the relative tolerance.
// Loss: L = Σ r_i · y_i with fixed random r.
final class L2NormalizeGradientTests: XCTestCase {
    let c = 4

    private func forward(_ x: [Double]) -> (y: [Double], norms: [Double]) {
        let n = x.count / c
        let X = KernelBuffer<Double>(x), Y = KernelBuffer<Double>(zeros: x.count), N = KernelBuffer<Double>(zeros: n)
        l2NormalizeForward(output: Y.p, norms: N.p, input: X.c, rows: n, channels: c)
        return (Y.array, N.array)
    }

    private func analytic(_ x: [Double], _ r: [Double]) -> [Double] {
        let n = x.count / c
        let (y, norms) = forward(x)
        let Y = KernelBuffer<Double>(y), N = KernelBuffer<Double>(norms), R = KernelBuffer<Double>(r)
        let dX = KernelBuffer<Double>(zeros: x.count)
        l2NormalizeBackward(dInput: dX.p, dOutput: R.c, output: Y.c, norms: N.c, rows: n, channels: c)
        return dX.array
    }

    func testForwardUnitNorm() {
        let (y, norms) = forward([3, 4, 0, 0, 0, 0, 0, 0])
        XCTAssertLessThan(KernelCheck.maxAbsDiff(Array(y[0..<4]), [0.6, 0.8, 0, 0]), 1e-15)
        XCTAssertEqual(norms[0], 5)
        XCTAssertEqual(Array(y[4..<8]), [0, 0, 0, 0])            // zero row stays zero (no NaN)
    }

    func testGradientOrdinaryRows() {
        var rnd = TestRandom(seed: 60)
        let x = rnd.array(5 * c), r = rnd.array(5 * c)
        KernelCheck.gradient("l2normalize dx", analytic: analytic(x, r), at: x) { KernelCheck.dot(r, forward($0).y) }
    }

    func testGradientTinyRows() {
        var rnd = TestRandom(seed: 61)
        let x = rnd.array(2 * c, scale: 2e-14) + [0, 0, 0, 0], r = rnd.array(3 * c)
        let g = analytic(x, r)
        for i in 0..<g.count { XCTAssertEqual(g[i], r[i] * 1e12, accuracy: 1e-3) }
        KernelCheck.gradient("l2normalize dx (norm < eps)", analytic: g, at: x, step: 1e-15) { KernelCheck.dot(r, forward($0).y) }
    }

    func testFloatMatchesDouble() {
        var rnd = TestRandom(seed: 62)
        let x = rnd.array(64 * 64, scale: 0.02)
        func run<T: GSAUScalar>(_: T.Type) -> [Double] {
            let X = KernelBuffer<T>(converting: x), Y = KernelBuffer<T>(zeros: x.count), N = KernelBuffer<T>(zeros: 64)
            l2NormalizeForward(output: Y.p, norms: N.p, input: X.c, rows: 64, channels: 64)
            return Y.doubles
        }
        XCTAssertLessThan(KernelCheck.maxAbsDiff(run(Float.self), run(Double.self)), 1e-6)
    }
}
