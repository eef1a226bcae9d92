import Dispatch

// Multi-head attention for ONE query per sequence: the last token of each packed sequence, over
// all of that sequence's tokens (causal attention from the last position sees every key).
//
// The SASRec output is read only at each sequence's last position, so in the LAST transformer
// layer only those queries matter: keys and values are still needed for every token (they come
// from the previous layer), but scores, context, the out-projection, LayerNorms and the FFN are
// needed for B rows instead of T. Same arithmetic as `attentionForward` for those rows.
//
// Shapes (d = heads · headDim, tokens = offsets[B]):
//   qkv:         [tokens, 3d]  q | k | v column blocks (all tokens; only the last token's q is read)
//   offsets:     [B + 1]
//   context:     [B, d]        row b = the last token of sequence b
//   probs:       [B, heads, maxLength]  softmax weights before dropout (keys 0 ..< length_b)
//   dropoutMask: [B, heads, maxLength]  dropout scales (only when dropout > 0)

/// Forward pass; draws a fresh dropout mask (serially, for the keys read) when `dropout > 0`.
func lastQueryAttentionForward<T: GSAUScalar>(context: UnsafeMutablePointer<T>, probs: UnsafeMutablePointer<T>,
                                              dropoutMask: UnsafeMutablePointer<T>?, qkv: UnsafePointer<T>,
                                              offsets: UnsafePointer<Int32>, sequences: Int, maxLength: Int,
                                              dim: Int, heads: Int, dropout p: Double, rng: inout RandomGenerator) {
    let mask = p > 0 ? dropoutMask : nil
    if let mask {
        for b in 0..<sequences {
            let length = Int(offsets[b + 1] - offsets[b])
            for h in 0..<heads { dropoutFillMask(mask: mask + (b * heads + h) * maxLength, count: length, p: p, rng: &rng) }
        }
    }
    let job = LastQueryAttention(qkv: qkv, offsets: offsets, maxLength: maxLength, dim: dim, heads: heads,
                                 probs: probs, mask: mask)
    parallelChunks(sequences, minimumChunk: 16) { range in
        for b in range { job.forward(b, context: context) }
    }
}

/// Backward pass; ACCUMULATES into dQKV [tokens, 3d] (q of the last tokens, k and v of every token).
func lastQueryAttentionBackward<T: GSAUScalar>(dQKV: UnsafeMutablePointer<T>, dContext: UnsafePointer<T>,
                                               qkv: UnsafePointer<T>, probs: UnsafePointer<T>,
                                               dropoutMask: UnsafePointer<T>?, offsets: UnsafePointer<Int32>,
                                               sequences: Int, maxLength: Int, dim: Int, heads: Int, dropout p: Double) {
    let job = LastQueryAttention(qkv: qkv, offsets: offsets, maxLength: maxLength, dim: dim, heads: heads,
                                 probs: UnsafeMutablePointer(mutating: probs),
                                 mask: p > 0 ? dropoutMask.map { UnsafeMutablePointer(mutating: $0) } : nil)
    parallelChunks(sequences, minimumChunk: 16) { range in
        for b in range { job.backward(b, dQKV: dQKV, dContext: dContext) }
    }
}

/// Pointers of one call; sequences touch disjoint rows of every output.
private struct LastQueryAttention<T: GSAUScalar>: @unchecked Sendable {
    let qkv: UnsafePointer<T>
    let offsets: UnsafePointer<Int32>
    let maxLength: Int, dim: Int, heads: Int
    let probs: UnsafeMutablePointer<T>
    let mask: UnsafeMutablePointer<T>?

    func forward(_ b: Int, context: UnsafeMutablePointer<T>) {
        let base = Int(offsets[b]), length = Int(offsets[b + 1]) - base
        let dh = dim / heads, stride = 3 * dim, scale = 1 / T.sqrt(T(dh))
        let q0 = qkv + (base + length - 1) * stride
        for h in 0..<heads {
            let row = probs + (b * heads + h) * maxLength
            let q = q0 + h * dh
            for j in 0..<length {
                let k = qkv + (base + j) * stride + dim + h * dh
                var dot: T = 0
                for c in 0..<dh { dot += q[c] * k[c] }
                row[j] = dot * scale
            }
            _ = softmaxInPlace(row, count: length)
            let out = context + b * dim + h * dh
            for c in 0..<dh { out[c] = 0 }
            for j in 0..<length {
                let w = row[j] * (mask?[(b * heads + h) * maxLength + j] ?? 1)
                let v = qkv + (base + j) * stride + 2 * dim + h * dh
                for c in 0..<dh { out[c] += w * v[c] }
            }
        }
    }

    func backward(_ b: Int, dQKV: UnsafeMutablePointer<T>, dContext: UnsafePointer<T>) {
        let base = Int(offsets[b]), length = Int(offsets[b + 1]) - base
        let dh = dim / heads, stride = 3 * dim, scale = 1 / T.sqrt(T(dh))
        let last = base + length - 1
        for h in 0..<heads {
            let row = probs + (b * heads + h) * maxLength
            let dctx = dContext + b * dim + h * dh
            let q = qkv + last * stride + h * dh
            // dP_j = (dctx · v_j) · mask_j and dv_j += P'_j dctx; then dS_j = P_j (dP_j − Σ_k P_k dP_k).
            withUnsafeTemporaryAllocation(of: T.self, capacity: length) { dP in
            var weighted: T = 0
            for j in 0..<length {
                let m = mask?[(b * heads + h) * maxLength + j] ?? 1
                let v = qkv + (base + j) * stride + 2 * dim + h * dh
                let dv = dQKV + (base + j) * stride + 2 * dim + h * dh
                var dot: T = 0
                for c in 0..<dh { dot += dctx[c] * v[c]; dv[c] += row[j] * m * dctx[c] }
                dP[j] = dot * m
                weighted += row[j] * dP[j]
            }
            let dq = dQKV + last * stride + h * dh
            for j in 0..<length {
                let dS = row[j] * (dP[j] - weighted) * scale
                let k = qkv + (base + j) * stride + dim + h * dh
                let dk = dQKV + (base + j) * stride + dim + h * dh
                for c in 0..<dh { dq[c] += dS * k[c]; dk[c] += dS * q[c] }
            }
            }
        }
    }
}
