import XCTest
@testable import GSAU
import RealModule

// Finite differences: central, step h = 1e-6 on the Float64 path; tolerance |a − n| ≤ 1e-7 + 1e-5·|n|.
// With attention dropout the generator is re-seeded for every probe, so each forward uses the same
// mask. Loss: L = Σ r_i · context_i with fixed random r.
final class AttentionGradientTests: XCTestCase {
    struct Result { var context: [Double]; var probs: [Double]; var mask: [Double] }

    private func offsets(_ lengths: [Int]) -> [Int32] {
        var o: [Int32] = [0]
        for l in lengths { o.append(o.last! + Int32(l)) }
        return o
    }

    private func forward<T: GSAUScalar>(_ qkv: [Double], lengths: [Int], heads: Int, dim: Int, causal: Bool,
                                        p: Double = 0, seed: UInt64 = 1, maxLength: Int? = nil,
                                        as _: T.Type = T.self) -> Result {
        let tokens = lengths.reduce(0, +), maxLen = maxLength ?? (lengths.max() ?? 1)
        let Q = KernelBuffer<T>(converting: qkv), O = KernelBuffer<Int32>(offsets(lengths))
        let C = KernelBuffer<T>(zeros: tokens * dim)
        let P = KernelBuffer<T>(zeros: tokens * heads * maxLen), M = KernelBuffer<T>(zeros: tokens * heads * maxLen)
        var rng = RandomGenerator(seed: seed)
        attentionForward(context: C.p, probs: P.p, dropoutMask: M.p, qkv: Q.c, offsets: O.c, sequences: lengths.count,
                         maxLength: maxLen, dim: dim, heads: heads, causal: causal, dropout: p, rng: &rng)
        return Result(context: C.doubles, probs: P.doubles, mask: M.doubles)
    }

    private func backward(_ qkv: [Double], _ fwd: Result, dContext: [Double], lengths: [Int], heads: Int, dim: Int,
                          causal: Bool, p: Double = 0, maxLength: Int? = nil) -> [Double] {
        let maxLen = maxLength ?? (lengths.max() ?? 1)
        let Q = KernelBuffer<Double>(qkv), O = KernelBuffer<Int32>(offsets(lengths))
        let P = KernelBuffer<Double>(fwd.probs), M = KernelBuffer<Double>(fwd.mask), D = KernelBuffer<Double>(dContext)
        let G = KernelBuffer<Double>(zeros: qkv.count)
        attentionBackward(dQKV: G.p, dContext: D.c, qkv: Q.c, probs: P.c, dropoutMask: M.c, offsets: O.c,
                          sequences: lengths.count, maxLength: maxLen, dim: dim, heads: heads, causal: causal, dropout: p)
        return G.array
    }

    private func checkGradient(_ name: String, causal: Bool, p: Double) {
        let lengths = [3, 1, 5], heads = 2, dim = 6, maxLen = 6      // row stride larger than the longest sequence
        var rnd = TestRandom(seed: causal ? 70 : 71)
        let tokens = lengths.reduce(0, +)
        let qkv = rnd.array(tokens * 3 * dim, scale: 1.5), r = rnd.array(tokens * dim)
        let fwd = forward(qkv, lengths: lengths, heads: heads, dim: dim, causal: causal, p: p, seed: 9,
                          maxLength: maxLen, as: Double.self)
        if p > 0 { XCTAssertTrue(fwd.mask.contains(0), "\(name): dropout should drop something") }
        let g = backward(qkv, fwd, dContext: r, lengths: lengths, heads: heads, dim: dim, causal: causal, p: p,
                         maxLength: maxLen)
        KernelCheck.gradient(name, analytic: g, at: qkv) {
            KernelCheck.dot(r, self.forward($0, lengths: lengths, heads: heads, dim: dim, causal: causal, p: p, seed: 9,
                                            maxLength: maxLen, as: Double.self).context)
        }
    }

    func testGradientCausal() { checkGradient("attention dqkv (causal)", causal: true, p: 0) }
    func testGradientBidirectional() { checkGradient("attention dqkv (bidirectional)", causal: false, p: 0) }
    func testGradientCausalWithDropout() { checkGradient("attention dqkv (causal, dropout 0.4)", causal: true, p: 0.4) }
    func testGradientBidirectionalWithDropout() {
        checkGradient("attention dqkv (bidirectional, dropout 0.4)", causal: false, p: 0.4)
    }

    func testCausalMaskFutureTokenDoesNotChangeEarlierOutputs() {
        let lengths = [4, 6], heads = 2, dim = 8, stride = 3 * dim
        var rnd = TestRandom(seed: 72)
        let qkv = rnd.array(10 * stride)
        var changed = qkv
        let victim = 4 + 3                                     // sequence 1, position 3
        for e in 0..<stride { changed[victim * stride + e] += 0.5 + Double(e) * 0.1 }
        for causal in [true, false] {
            let a = forward(qkv, lengths: lengths, heads: heads, dim: dim, causal: causal, as: Float.self).context
            let b = forward(changed, lengths: lengths, heads: heads, dim: dim, causal: causal, as: Float.self).context
            let row = { (x: [Double], t: Int) in Array(x[t * dim ..< (t + 1) * dim]) }
            for t in 0..<4 { XCTAssertEqual(row(a, t), row(b, t), "other sequence, token \(t)") }   // packing isolates
            for t in 4..<victim {
                if causal { XCTAssertEqual(row(a, t), row(b, t), "causal: earlier token \(t) must not see the future") }
                else { XCTAssertNotEqual(row(a, t), row(b, t), "bidirectional: token \(t) sees every key") }
            }
            for t in victim..<10 { XCTAssertNotEqual(row(a, t), row(b, t)) }
        }
    }

    /// The packed kernel equals the original's padded formulation (docs/MODEL.md §8.2): scores +
    /// additive mask (−10000 for future or PAD keys), softmax over every padded column, padded query
    /// rows ignored.
    func testMatchesPaddedReferenceWithAdditiveMask() {
        let lengths = [5, 1, 8, 3], heads = 2, dh = 4, dim = heads * dh, padLen = 10, stride = 3 * dim
        var rnd = TestRandom(seed: 73)
        let tokens = lengths.reduce(0, +)
        let qkv = rnd.array(tokens * stride, scale: 2)
        let padRow = rnd.array(stride, scale: 2)               // the (non-zero) PAD token's q, k, v
        for causal in [true, false] {
            let packed = forward(qkv, lengths: lengths, heads: heads, dim: dim, causal: causal, as: Float.self).context
            var base = 0
            for L in lengths {
                // Padded sequence: real tokens then PAD rows.
                var seq = [[Float]]()
                for i in 0..<padLen { seq.append((i < L ? Array(qkv[(base + i) * stride ..< (base + i + 1) * stride]) : padRow).map { Float($0) }) }
                for i in 0..<L { for h in 0..<heads {
                    var scores = [Float](repeating: 0, count: padLen)
                    for j in 0..<padLen {
                        var dot: Float = 0
                        for e in 0..<dh { dot += seq[i][h * dh + e] * seq[j][dim + h * dh + e] }
                        let allowed = j < L && (!causal || j <= i)
                        scores[j] = dot / Float(dh).squareRoot() + (allowed ? 0 : -10000)
                    }
                    let m = scores.max()!
                    let ex = scores.map { Float.exp($0 - m) }
                    for j in 0..<padLen where !(j < L && (!causal || j <= i)) { XCTAssertEqual(ex[j], 0) }   // exactly 0 in float32
                    let s = ex.reduce(0, +)
                    for e in 0..<dh {
                        var ctx: Float = 0
                        for j in 0..<padLen { ctx += ex[j] / s * seq[j][2 * dim + h * dh + e] }
                        XCTAssertEqual(Double(ctx), packed[(base + i) * dim + h * dh + e], accuracy: 2e-6)
                    }
                } }
                base += L
            }
        }
    }

    func testParallelMatchesPerSequenceBitwiseAndFloatMatchesDouble() {
        // 16 sequences with 64 features take the parallel path; one sequence per call takes the serial one.
        let heads = 2, dim = 64, maxLen = 50, stride = 3 * dim
        var rnd = TestRandom(seed: 74)
        let lengths = (0..<16).map { _ in 1 + Int((rnd.uniform() + 1) / 2 * 49) }
        let tokens = lengths.reduce(0, +), offs = offsets(lengths)
        let qkv = rnd.array(tokens * stride), dctx = rnd.array(tokens * dim)
        let Q = KernelBuffer<Float>(converting: qkv), O = KernelBuffer<Int32>(offs), D = KernelBuffer<Float>(converting: dctx)
        let size = tokens * heads * maxLen
        var rng = RandomGenerator(seed: 3)
        // Whole batch, with dropout.
        let C = KernelBuffer<Float>(zeros: tokens * dim), P = KernelBuffer<Float>(zeros: size), M = KernelBuffer<Float>(zeros: size)
        attentionForward(context: C.p, probs: P.p, dropoutMask: M.p, qkv: Q.c, offsets: O.c, sequences: 16,
                         maxLength: maxLen, dim: dim, heads: heads, causal: true, dropout: 0.5, rng: &rng)
        let G = KernelBuffer<Float>(zeros: tokens * stride)
        attentionBackward(dQKV: G.p, dContext: D.c, qkv: Q.c, probs: P.c, dropoutMask: M.c, offsets: O.c, sequences: 16,
                          maxLength: maxLen, dim: dim, heads: heads, causal: true, dropout: 0.5)
        // Per sequence, reusing the batch's probabilities and mask.
        let C1 = KernelBuffer<Float>(zeros: tokens * dim), P1 = KernelBuffer<Float>(zeros: size)
        let G1 = KernelBuffer<Float>(zeros: tokens * stride)
        for b in 0..<16 {
            attentionForward(context: C1.p, probs: P1.p, dropoutMask: nil, qkv: Q.c, offsets: O.c + b, sequences: 1,
                             maxLength: maxLen, dim: dim, heads: heads, causal: true, dropout: 0, rng: &rng)
            attentionBackward(dQKV: G1.p, dContext: D.c, qkv: Q.c, probs: P.c, dropoutMask: M.c, offsets: O.c + b,
                              sequences: 1, maxLength: maxLen, dim: dim, heads: heads, causal: true, dropout: 0.5)
        }
        // Same probabilities (the forward without dropout writes the same pre-dropout P).
        for t in 0..<tokens { for h in 0..<heads {
            let i = t - Int(offs[lengths.indices.last { Int(offs[$0]) <= t }!])
            for j in 0...i { XCTAssertEqual(P1.p[(t * heads + h) * maxLen + j], P.p[(t * heads + h) * maxLen + j]) }
        } }
        XCTAssertEqual(G.array, G1.array)
        // Float vs Double forward (no dropout).
        let f = forward(qkv, lengths: lengths, heads: heads, dim: dim, causal: true, maxLength: maxLen, as: Float.self)
        let d = forward(qkv, lengths: lengths, heads: heads, dim: dim, causal: true, maxLength: maxLen, as: Double.self)
        XCTAssertLessThan(KernelCheck.maxAbsDiff(f.context, d.context), 1e-5)
        XCTAssertEqual(f.context, C1.doubles)                   // parallel no-dropout forward vs per-sequence
    }
}
