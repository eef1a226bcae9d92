import XCTest
@testable import GSAU

// Finite differences: central, step h = 1e-6 on the Float64 path; tolerance |a − n| ≤ 1e-7 + 1e-5·|n|
// (GradientCheck's defaults: truncation O(h²) ≈ 1e-12, rounding O(ε/h) ≈ 1e-10 for an O(1) loss).
// Loss for non-scalar outputs: L = Σ r_i · y_i with fixed random r.
final class LinearGradientTests: XCTestCase {
    let n = 4, inF = 5, outF = 3

    private func forward(_ x: [Double], _ w: [Double], _ b: [Double]?) -> [Double] {
        let X = KernelBuffer<Double>(x), W = KernelBuffer<Double>(w)
        let B = b.map { KernelBuffer<Double>($0) }
        let Y = KernelBuffer<Double>(zeros: n * outF)
        linearForward(output: Y.p, input: X.c, weight: W.c, bias: B?.c, rows: n, inFeatures: inF, outFeatures: outF)
        return Y.array
    }

    func testForwardMatchesLoops() {
        var rnd = TestRandom(seed: 1)
        let x = rnd.array(n * inF), w = rnd.array(outF * inF), b = rnd.array(outF)
        let y = forward(x, w, b)
        for r in 0..<n { for o in 0..<outF {
            var s = b[o]
            for i in 0..<inF { s += x[r * inF + i] * w[o * inF + i] }
            XCTAssertEqual(y[r * outF + o], s, accuracy: 1e-14)
        } }
        // Without bias.
        let y0 = forward(x, w, nil)
        for k in 0..<y.count { XCTAssertEqual(y0[k], y[k] - b[k % outF], accuracy: 1e-14) }
    }

    func testGradients() {
        var rnd = TestRandom(seed: 2)
        let x = rnd.array(n * inF), w = rnd.array(outF * inF), b = rnd.array(outF), r = rnd.array(n * outF)
        let X = KernelBuffer<Double>(x), W = KernelBuffer<Double>(w), R = KernelBuffer<Double>(r)
        let dX = KernelBuffer<Double>(zeros: n * inF), dW = KernelBuffer<Double>(zeros: outF * inF)
        let dB = KernelBuffer<Double>(zeros: outF)
        linearBackward(dInput: dX.p, dWeight: dW.p, dBias: dB.p, dOutput: R.c, input: X.c, weight: W.c,
                       rows: n, inFeatures: inF, outFeatures: outF)
        KernelCheck.gradient("linear dx", analytic: dX.array, at: x) { KernelCheck.dot(r, forward($0, w, b)) }
        KernelCheck.gradient("linear dW", analytic: dW.array, at: w) { KernelCheck.dot(r, forward(x, $0, b)) }
        KernelCheck.gradient("linear db", analytic: dB.array, at: b) { KernelCheck.dot(r, forward(x, w, $0)) }
    }

    func testBackwardAccumulates() {
        var rnd = TestRandom(seed: 3)
        let x = rnd.array(n * inF), w = rnd.array(outF * inF), r = rnd.array(n * outF)
        let X = KernelBuffer<Double>(x), W = KernelBuffer<Double>(w), R = KernelBuffer<Double>(r)
        let dX = KernelBuffer<Double>(zeros: n * inF), dW = KernelBuffer<Double>(zeros: outF * inF)
        let dB = KernelBuffer<Double>(zeros: outF)
        let once: () -> Void = {
            linearBackward(dInput: dX.p, dWeight: dW.p, dBias: dB.p, dOutput: R.c, input: X.c, weight: W.c,
                           rows: self.n, inFeatures: self.inF, outFeatures: self.outF)
        }
        once()
        let (gx, gw, gb) = (dX.array, dW.array, dB.array)
        once()
        XCTAssertLessThan(KernelCheck.maxAbsDiff(dX.array, gx.map { 2 * $0 }), 1e-14)
        XCTAssertLessThan(KernelCheck.maxAbsDiff(dW.array, gw.map { 2 * $0 }), 1e-14)
        XCTAssertLessThan(KernelCheck.maxAbsDiff(dB.array, gb.map { 2 * $0 }), 1e-14)
    }

    func testFloatMatchesDouble() {
        var rnd = TestRandom(seed: 4)
        let rows = 37, i = 64, o = 256
        let x = rnd.array(rows * i), w = rnd.array(o * i, scale: 0.1), b = rnd.array(o)
        func run<T: GSAUScalar>(_: T.Type) -> [Double] {
            let X = KernelBuffer<T>(converting: x), W = KernelBuffer<T>(converting: w)
            let B = KernelBuffer<T>(converting: b), Y = KernelBuffer<T>(zeros: rows * o)
            linearForward(output: Y.p, input: X.c, weight: W.c, bias: B.c, rows: rows, inFeatures: i, outFeatures: o)
            return Y.doubles
        }
        XCTAssertLessThan(KernelCheck.maxAbsDiff(run(Float.self), run(Double.self)), 1e-5)
    }
}
