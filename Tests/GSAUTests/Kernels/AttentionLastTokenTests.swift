import XCTest
@testable import GSAU

/// Attention with `.lastToken` queries equals the full causal attention's rows at each sequence's
/// last token, forward and backward, and its backward passes a finite-difference check (Float64;
/// step 1e-6; |analytic − numeric| ≤ 1e-7 + 1e-5·|numeric|).
final class AttentionLastTokenTests: XCTestCase {
    let lengths = [3, 1, 5, 4], heads = 2, dim = 6, maxLength = 6

    private var offsets: [Int32] { var o: [Int32] = [0]; for l in lengths { o.append(o.last! + Int32(l)) }; return o }

    func testMatchesTheFullAttentionAtTheLastTokens() {
        let tokens = lengths.reduce(0, +), b = lengths.count
        var r = TestRandom(seed: 3)
        let qkv = r.array(tokens * 3 * dim)
        let dLast = r.array(b * dim)
        let offsets = self.offsets
        var full = [Double](repeating: 0, count: tokens * dim), probs = [Double](repeating: 0, count: tokens * heads * maxLength)
        var last = [Double](repeating: 0, count: b * dim), lastProbs = [Double](repeating: 0, count: b * heads * maxLength)
        var rng = RandomGenerator(seed: 1)
        attentionForward(context: &full, probs: &probs, dropoutMask: nil, qkv: qkv, offsets: offsets, sequences: b,
                         maxLength: maxLength, dim: dim, heads: heads, causal: true, dropout: 0, rng: &rng)
        attentionForward(context: &last, probs: &lastProbs, dropoutMask: nil, qkv: qkv, offsets: offsets,
                         sequences: b, maxLength: maxLength, dim: dim, heads: heads, causal: true, queries: .lastToken,
                         dropout: 0, rng: &rng)
        for s in 0..<b {
            let t = Int(offsets[s + 1]) - 1
            for c in 0..<dim { XCTAssertEqual(last[s * dim + c], full[t * dim + c]) }   // the same code: bitwise
        }
        // Backward: the full kernel with an upstream gradient only at the last tokens.
        var dFull = [Double](repeating: 0, count: tokens * dim)
        for s in 0..<b { for c in 0..<dim { dFull[(Int(offsets[s + 1]) - 1) * dim + c] = dLast[s * dim + c] } }
        var gFull = [Double](repeating: 0, count: tokens * 3 * dim), gLast = gFull
        attentionBackward(dQKV: &gFull, dContext: dFull, qkv: qkv, probs: probs, dropoutMask: nil, offsets: offsets,
                          sequences: b, maxLength: maxLength, dim: dim, heads: heads, causal: true, dropout: 0)
        attentionBackward(dQKV: &gLast, dContext: dLast, qkv: qkv, probs: lastProbs, dropoutMask: nil,
                          offsets: offsets, sequences: b, maxLength: maxLength, dim: dim, heads: heads, causal: true,
                          queries: .lastToken, dropout: 0)
        for i in 0..<gFull.count { XCTAssertEqual(gLast[i], gFull[i]) }
    }

    func testFiniteDifferencesWithDropout() {
        let tokens = lengths.reduce(0, +), b = lengths.count
        var r = TestRandom(seed: 9)
        let qkv = r.array(tokens * 3 * dim), weights = r.array(b * dim)
        let offsets = self.offsets
        func forward(_ x: [Double]) -> ([Double], [Double], [Double]) {
            var ctx = [Double](repeating: 0, count: b * dim), probs = [Double](repeating: 0, count: b * heads * maxLength)
            var mask = [Double](repeating: 0, count: b * heads * maxLength)
            var rng = RandomGenerator(seed: 17)               // the same mask on every call
            attentionForward(context: &ctx, probs: &probs, dropoutMask: &mask, qkv: x, offsets: offsets,
                             sequences: b, maxLength: maxLength, dim: dim, heads: heads, causal: true, queries: .lastToken,
                             dropout: 0.3, rng: &rng)
            return (ctx, probs, mask)
        }
        let (_, probs, mask) = forward(qkv)
        var analytic = [Double](repeating: 0, count: qkv.count)
        attentionBackward(dQKV: &analytic, dContext: weights, qkv: qkv, probs: probs, dropoutMask: mask,
                          offsets: offsets, sequences: b, maxLength: maxLength, dim: dim, heads: heads, causal: true,
                          queries: .lastToken, dropout: 0.3)
        let numeric = GradientCheck.numeric(qkv) { x in zip(forward(x).0, weights).reduce(0) { $0 + $1.0 * $1.1 } }
        GradientCheck.assertClose(analytic: analytic, numeric: numeric, "last-token attention")
    }
}
