import XCTest
@testable import GSAU

// Finite differences: central, step h = 1e-6 on the Float64 path; tolerance |a − n| ≤ 1e-7 + 1e-5·|n|.
// The loss is already scalar (batch mean); the check uses upstream = 0.7 against 0.7 · loss.
final class BPRGradientTests: XCTestCase {
    let b = 5, d = 4

    private func loss<T: GSAUScalar>(_ u: [Double], _ p: [Double], _ n: [Double], as _: T.Type) -> Double {
        let U = KernelBuffer<T>(converting: u), P = KernelBuffer<T>(converting: p), N = KernelBuffer<T>(converting: n)
        let W = KernelBuffer<T>(zeros: b)
        return Double(try! bprForward(user: U.c, positive: P.c, negative: N.c, rows: b, width: d, workspace: W.p))
    }

    func testKnownValue() throws {
        // One row: x = 1·(2 − 0.5) = 1.5, loss = −log(1e-10 + σ(1.5)) = log(1 + e^−1.5) (+ ~1e-10).
        let U = KernelBuffer<Double>([1]), P = KernelBuffer<Double>([2]), N = KernelBuffer<Double>([0.5])
        let W = KernelBuffer<Double>(zeros: 1)
        let value = try bprForward(user: U.c, positive: P.c, negative: N.c, rows: 1, width: 1, workspace: W.p)
        XCTAssertEqual(value, Double.log(1 + Double.exp(-1.5)), accuracy: 1e-9)
        XCTAssertEqual(W.array[0], 1 / (1 + Double.exp(-1.5)))
        XCTAssertThrowsError(try bprForward(user: U.c, positive: P.c, negative: N.c, rows: 0, width: 1, workspace: W.p))
    }

    func testGradients() throws {
        var rnd = TestRandom(seed: 80)
        let u = rnd.array(b * d), p = rnd.array(b * d), n = rnd.array(b * d)
        let U = KernelBuffer<Double>(u), P = KernelBuffer<Double>(p), N = KernelBuffer<Double>(n)
        let W = KernelBuffer<Double>(zeros: b)
        let dU = KernelBuffer<Double>(zeros: b * d), dP = KernelBuffer<Double>(zeros: b * d), dN = KernelBuffer<Double>(zeros: b * d)
        _ = try bprForward(user: U.c, positive: P.c, negative: N.c, rows: b, width: d, workspace: W.p)
        bprBackward(user: U.c, positive: P.c, negative: N.c, rows: b, width: d, workspace: W.c, upstream: 0.7,
                    dUser: dU.p, dPositive: dP.p, dNegative: dN.p)
        KernelCheck.gradient("bpr du", analytic: dU.array, at: u) { 0.7 * self.loss($0, p, n, as: Double.self) }
        KernelCheck.gradient("bpr dp", analytic: dP.array, at: p) { 0.7 * self.loss(u, $0, n, as: Double.self) }
        KernelCheck.gradient("bpr dn", analytic: dN.array, at: n) { 0.7 * self.loss(u, p, $0, as: Double.self) }
        // Accumulates.
        let once = dU.array
        bprBackward(user: U.c, positive: P.c, negative: N.c, rows: b, width: d, workspace: W.c, upstream: 0.7,
                    dUser: dU.p, dPositive: dP.p, dNegative: dN.p)
        XCTAssertLessThan(KernelCheck.maxAbsDiff(dU.array, once.map { 2 * $0 }), 1e-15)
    }

    /// Bit for bit the loop GSAUObjective.bprLoss computed inline before the kernel existed (Float,
    /// upstream 1): forward and backward interleaved over rows, gradients into zeroed [3, B, d] rows.
    func testReproducesTheInlineObjectiveBitwise() throws {
        let b = 37, d = 64, block = b * d
        var rnd = TestRandom(seed: 81)
        let rows: [Float] = (0..<(3 * block)).map { _ in Float(rnd.uniform(0.3)) }
        var reference = [Float](repeating: 0, count: 3 * block)
        var referenceLoss: Float = 0
        do {
            let invB: Float = 1 / Float(b)
            for r in 0..<b {
                let u = r * d, pos = block + r * d, neg = 2 * block + r * d
                var x: Float = 0
                for c in 0..<d { x += rows[u + c] * (rows[pos + c] - rows[neg + c]) }
                let sigma: Float = 1 / (1 + Float.exp(-x))
                referenceLoss -= Float.log(1e-10 + sigma)
                let gx: Float = -sigma * (1 - sigma) / (1e-10 + sigma) * invB
                for c in 0..<d {
                    reference[u + c] += gx * (rows[pos + c] - rows[neg + c])
                    reference[pos + c] += gx * rows[u + c]
                    reference[neg + c] -= gx * rows[u + c]
                }
            }
            referenceLoss *= invB
        }
        let R = KernelBuffer<Float>(rows), G = KernelBuffer<Float>(zeros: 3 * block), W = KernelBuffer<Float>(zeros: b)
        let value = try bprForward(user: R.c, positive: R.c + block, negative: R.c + 2 * block, rows: b, width: d, workspace: W.p)
        bprBackward(user: R.c, positive: R.c + block, negative: R.c + 2 * block, rows: b, width: d, workspace: W.c,
                    upstream: 1, dUser: G.p, dPositive: G.p + block, dNegative: G.p + 2 * block)
        XCTAssertEqual(value, referenceLoss)
        let got = G.array
        XCTAssertNil(got.indices.first { got[$0] != reference[$0] }, "gradients differ from the inline loop")
    }
}
