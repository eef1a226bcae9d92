import XCTest
@testable import GSAU

// Finite differences: central, step h = 1e-6 on the Float64 path; tolerance |a − n| ≤ 1e-7 + 1e-5·|n|.
// The model's eps = 1e-12 (docs/MODEL.md §1.2) is used; rows have O(1) variance so the map is smooth there.
// Loss: L = Σ r_i · y_i with fixed random r.
final class LayerNormGradientTests: XCTestCase {
    let n = 3, c = 8, eps = 1e-12

    private func forward(_ x: [Double], _ w: [Double], _ b: [Double]) -> [Double] {
        let X = KernelBuffer<Double>(x), W = KernelBuffer<Double>(w), B = KernelBuffer<Double>(b)
        let Y = KernelBuffer<Double>(zeros: n * c), M = KernelBuffer<Double>(zeros: n), S = KernelBuffer<Double>(zeros: n)
        layerNormForward(output: Y.p, mean: M.p, rstd: S.p, input: X.c, weight: W.c, bias: B.c,
                         rows: n, channels: c, eps: eps)
        return Y.array
    }

    func testForwardNormalises() {
        var rnd = TestRandom(seed: 10)
        let x = rnd.array(n * c, scale: 3).map { $0 + 5 }
        let y = forward(x, [Double](repeating: 1, count: c), [Double](repeating: 0, count: c))
        for r in 0..<n {
            let row = Array(y[r * c ..< (r + 1) * c])
            let mean = row.reduce(0, +) / Double(c)
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(c)
            XCTAssertEqual(mean, 0, accuracy: 1e-12)
            XCTAssertEqual(variance, 1, accuracy: 1e-10)
        }
    }

    func testGradients() {
        var rnd = TestRandom(seed: 11)
        let x = rnd.array(n * c, scale: 2), w = rnd.array(c).map { $0 + 1 }, b = rnd.array(c), r = rnd.array(n * c)
        let X = KernelBuffer<Double>(x), W = KernelBuffer<Double>(w), B = KernelBuffer<Double>(b), R = KernelBuffer<Double>(r)
        let Y = KernelBuffer<Double>(zeros: n * c), M = KernelBuffer<Double>(zeros: n), S = KernelBuffer<Double>(zeros: n)
        layerNormForward(output: Y.p, mean: M.p, rstd: S.p, input: X.c, weight: W.c, bias: B.c, rows: n, channels: c, eps: eps)
        let dX = KernelBuffer<Double>(zeros: n * c), dW = KernelBuffer<Double>(zeros: c), dB = KernelBuffer<Double>(zeros: c)
        layerNormBackward(dInput: dX.p, dWeight: dW.p, dBias: dB.p, dOutput: R.c, input: X.c, weight: W.c,
                          mean: M.c, rstd: S.c, rows: n, channels: c)
        KernelCheck.gradient("layernorm dx", analytic: dX.array, at: x) { KernelCheck.dot(r, forward($0, w, b)) }
        KernelCheck.gradient("layernorm dweight", analytic: dW.array, at: w) { KernelCheck.dot(r, forward(x, $0, b)) }
        KernelCheck.gradient("layernorm dbias", analytic: dB.array, at: b) { KernelCheck.dot(r, forward(x, w, $0)) }
    }

    func testInPlaceForwardAndFloatMatchesDouble() {
        var rnd = TestRandom(seed: 12)
        let rows = 50, ch = 64
        let x = rnd.array(rows * ch, scale: 0.3), w = rnd.array(ch).map { $0 + 1 }, b = rnd.array(ch, scale: 0.1)
        func run<T: GSAUScalar>(_: T.Type, inPlace: Bool) -> [Double] {
            let X = KernelBuffer<T>(converting: x), W = KernelBuffer<T>(converting: w), B = KernelBuffer<T>(converting: b)
            let Y = inPlace ? X : KernelBuffer<T>(zeros: rows * ch)
            let M = KernelBuffer<T>(zeros: rows), S = KernelBuffer<T>(zeros: rows)
            layerNormForward(output: Y.p, mean: M.p, rstd: S.p, input: X.c, weight: W.c, bias: B.c,
                             rows: rows, channels: ch, eps: T(1e-12))
            return Y.doubles
        }
        XCTAssertEqual(run(Double.self, inPlace: true), run(Double.self, inPlace: false))
        XCTAssertLessThan(KernelCheck.maxAbsDiff(run(Float.self, inPlace: false), run(Double.self, inPlace: false)), 1e-5)
    }
}
