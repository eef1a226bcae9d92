import Dispatch

// Multi-head scaled dot-product self-attention core over PACKED variable-length sequences, forward
// and backward, for the query of every token or of each sequence's last token only.
//
// Packing is how the engine skips padding: the B sequences of a batch are concatenated token by
// token, and tokens offsets[b] ..< offsets[b+1] belong to sequence b (position 0 = oldest item).
// Attention never crosses sequence boundaries.
//
// Query rows (`AttentionQueries`):
//   .all        every token is a query; query row r = global token index t (R = tokens).
//   .lastToken  only the last token of each sequence is a query; query row r = sequence b (R = B).
//               SASRec reads its output at the last tokens only, so its LAST layer needs just those
//               queries: keys and values still come from every token (the previous layer), but
//               scores, context, and everything after the attention core shrink from T rows to B.
//               The rows computed are the same numbers as `.all` computes at those tokens.
//
// Shapes (row-major; t is the global token index, d = heads · headDim, R as above):
//   qkv:          [tokens, 3d]   column blocks q | k | v; head h uses columns h·headDim ..< (h+1)·headDim
//                                of each block (the layout of three nn.Linear(d, d) outputs side by side);
//                                keys and values of every token are read, queries only of the query rows
//   offsets:      [B + 1] Int32  non-decreasing, normally offsets[0] = 0 and tokens = offsets[B]; qkv is
//                                indexed by the global token index, so a `.all` call on
//                                `offsets + b, sequences: 1` processes sequence b alone in place
//   context:      [R, d]         heads concatenated, as RecBole's `context_layer`
//   probs:        [R, heads, maxLength]  workspace: softmax probabilities BEFORE dropout; row
//                                (r, h) holds the weights of query r over the keys 0 ..< nKeys of its
//                                sequence (query at position i: nKeys = i + 1 when causal, the
//                                sequence length otherwise; the last token sees every key either way);
//                                entries past nKeys are left untouched and never read
//   dropoutMask:  [R, heads, maxLength]  workspace (only when attention dropout is on): the
//                                per-probability dropout scale (0 or 1/(1 − p)), same layout
// maxLength must be ≥ the longest sequence (L = 50 for SASRec, docs/MODEL.md §5.2).
//
// scores = q·kᵀ / √headDim over the allowed keys, P = softmax(scores), P' = dropout(P),
// context = P' · v.
//
// Masking. RecBole adds −10000 (not −inf) to the scores of future keys (j > i, causal) and of PAD
// keys before the softmax. With packed sequences there are no PAD keys, and for the future keys
// exp(score − 10000 − max) underflows to exactly 0 in float32 (it is below 1e-4300 while the
// smallest float32 subnormal is 1.4e-45), because real scores differ by far less than 10000. So
// excluding those keys from the softmax, as done here, is equivalent: the masked keys contribute
// exactly 0 in the original too. Outputs at padded query positions are never read by the model,
// and every other layer is row-wise, so dropping padded queries changes nothing either.
//
// Parallelism: sequences are independent and each one writes only its own query rows (context,
// probs) and token rows (dqkv), so sequences run in parallel when the batch is large enough. The
// per-sequence arithmetic is the same in every path, so results are bitwise the same for any thread
// count. Dropout masks are drawn serially, before the parallel part, so they depend only on the
// generator state.

/// Which query rows the attention core computes (see above).
public enum AttentionQueries: Sendable {
    /// Every token: context row t belongs to token t.
    case all
    /// Each sequence's last token: context row b belongs to the last token of sequence b.
    case lastToken
}

/// Forward pass. Attention dropout is applied when `dropout > 0` (then `dropoutMask` must be
/// given; a fresh mask for the keys each query reads is drawn from `rng`; other entries are untouched).
/// With `dropout == 0` no random numbers are drawn and `dropoutMask` is ignored.
public func attentionForward<T: GSAUScalar>(context: UnsafeMutablePointer<T>,
                                            probs: UnsafeMutablePointer<T>,
                                            dropoutMask: UnsafeMutablePointer<T>?,
                                            qkv: UnsafePointer<T>,
                                            offsets: UnsafePointer<Int32>, sequences: Int,
                                            maxLength: Int, dim: Int, heads: Int, causal: Bool,
                                            queries: AttentionQueries = .all,
                                            dropout p: Double, rng: inout RandomGenerator) {
    assert(heads > 0 && dim % heads == 0, "dim must be a multiple of heads")
    var mask: UnsafeMutablePointer<T>? = nil
    if p > 0 {
        assert(dropoutMask != nil, "attention dropout needs a dropoutMask workspace")
        mask = dropoutMask
    }
    let job = AttentionJob(qkv: qkv, offsets: offsets, maxLength: maxLength, dim: dim, heads: heads,
                           causal: causal, lastTokenOnly: queries == .lastToken, probs: probs, mask: mask,
                           context: context, dContext: nil, dQKV: nil)
    if let mask {
        // Draw only the entries that are read: keys 0 ..< nKeys of each (query, head) row.
        for b in 0..<sequences {
            job.forEachQuery(of: b) { _, row, nKeys in
                for h in 0..<heads { dropoutFillMask(mask: mask + (row * heads + h) * maxLength, count: nKeys, p: p, rng: &rng) }
            }
        }
    }
    job.run(sequences: sequences)
}

/// Backward pass; ACCUMULATES into dqkv [tokens, 3d] (+=), from dContext [R, d]. Needs the
/// forward's qkv, probs and dropoutMask (pass the same `queries`, the same mask and a nonzero
/// `dropout` exactly when the forward used dropout).
///   dv_j += Σ_i P'_ij dctx_i,   dP_ij = (dctx_i · v_j) · mask_ij,
///   dS_ij = P_ij (dP_ij − Σ_k P_ik dP_ik),
///   dq_i += Σ_j dS_ij k_j / √headDim,   dk_j += Σ_i dS_ij q_i / √headDim.
public func attentionBackward<T: GSAUScalar>(dQKV: UnsafeMutablePointer<T>,
                                             dContext: UnsafePointer<T>,
                                             qkv: UnsafePointer<T>,
                                             probs: UnsafePointer<T>,
                                             dropoutMask: UnsafePointer<T>?,
                                             offsets: UnsafePointer<Int32>, sequences: Int,
                                             maxLength: Int, dim: Int, heads: Int, causal: Bool,
                                             queries: AttentionQueries = .all,
                                             dropout p: Double) {
    let mask = p > 0 ? dropoutMask.map { UnsafeMutablePointer(mutating: $0) } : nil
    let job = AttentionJob(qkv: qkv, offsets: offsets, maxLength: maxLength, dim: dim, heads: heads,
                           causal: causal, lastTokenOnly: queries == .lastToken,
                           probs: UnsafeMutablePointer(mutating: probs), mask: mask,
                           context: nil, dContext: dContext, dQKV: dQKV)
    job.run(sequences: sequences)
}

/// The shared state of one attention call; `@unchecked Sendable` because sequences touch disjoint
/// rows of every output.
private struct AttentionJob<T: GSAUScalar>: @unchecked Sendable {
    let qkv: UnsafePointer<T>
    let offsets: UnsafePointer<Int32>
    let maxLength: Int
    let dim: Int
    let heads: Int
    let causal: Bool
    let lastTokenOnly: Bool
    let probs: UnsafeMutablePointer<T>      // only written by the forward pass
    let mask: UnsafeMutablePointer<T>?      // nil: no dropout
    let context: UnsafeMutablePointer<T>?   // set for the forward pass
    let dContext: UnsafePointer<T>?         // set (with dQKV) for the backward pass
    let dQKV: UnsafeMutablePointer<T>?

    var headDim: Int { dim / heads }
    var stride: Int { 3 * dim }              // row stride of qkv / dqkv
    var scale: T { 1 / T.sqrt(T(headDim)) }

    /// Calls `body(token, row, nKeys)` for each query of sequence b, in position order: `token` is
    /// its global token index, `row` its query row (of context, probs, mask), `nKeys` the keys it sees
    /// (tokens base ..< base + nKeys of the sequence).
    @inline(__always)
    func forEachQuery(of b: Int, _ body: (_ token: Int, _ row: Int, _ nKeys: Int) -> Void) {
        let base = Int(offsets[b]), length = Int(offsets[b + 1]) - base
        assert(length <= maxLength, "sequence longer than maxLength")
        if lastTokenOnly {
            if length > 0 { body(base + length - 1, b, length) }
        } else {
            for i in 0..<length { body(base + i, base + i, causal ? i + 1 : length) }
        }
    }

    /// Runs the forward (when `context` is set) or backward pass for every sequence, in parallel
    /// when the batch is worth it: all queries give one work item per sequence (its work grows with
    /// the length squared, so dynamic scheduling balances it); last-token queries, whose sequences
    /// are too little work each, run in contiguous chunks of at least 16 sequences.
    func run(sequences: Int) {
        if lastTokenOnly {
            parallelChunks(sequences, minimumChunk: 16) { range in for b in range { sequence(b) } }
        } else if sequences >= 4 && Int(offsets[sequences]) * dim >= 4096 {
            DispatchQueue.concurrentPerform(iterations: sequences) { self.sequence($0) }
        } else {
            for b in 0..<sequences { sequence(b) }
        }
    }

    func sequence(_ b: Int) {
        if let context {
            forward(sequence: b, context: context)
        } else if let dQKV, let dContext {
            backward(sequence: b, dQKV: dQKV, dContext: dContext)
        }
    }

    /// Forward for the queries of sequence b: probs rows, then context rows.
    func forward(sequence b: Int, context: UnsafeMutablePointer<T>) {
        let base = Int(offsets[b])
        let dh = headDim, s = scale, d = dim, stride = stride
        forEachQuery(of: b) { t, r, nKeys in
            for h in 0..<heads {
                let rowIndex = (r * heads + h) * maxLength
                let row = probs + rowIndex
                // scores = q·kᵀ / √headDim, then P = softmax(scores) in place
                let q = qkv + t * stride + h * dh
                for j in 0..<nKeys {
                    let k = qkv + (base + j) * stride + d + h * dh
                    var dot: T = 0
                    for e in 0..<dh { dot += q[e] * k[e] }
                    row[j] = dot * s
                }
                _ = softmaxInPlace(row, count: nKeys)
                // context = dropout(P) · v
                let out = context + r * d + h * dh
                for e in 0..<dh { out[e] = 0 }
                let m = mask.map { $0 + rowIndex }
                for j in 0..<nKeys {
                    let w = m.map { row[j] * $0[j] } ?? row[j]
                    let v = qkv + (base + j) * stride + 2 * d + h * dh
                    for e in 0..<dh { out[e] += w * v[e] }
                }
            }
        }
    }

    /// Backward for the queries of sequence b: accumulates dq of those queries, dk and dv of the keys
    /// they saw.
    func backward(sequence b: Int, dQKV: UnsafeMutablePointer<T>, dContext: UnsafePointer<T>) {
        let base = Int(offsets[b])
        let dh = headDim, s = scale, d = dim, stride = stride
        withUnsafeTemporaryAllocation(of: T.self, capacity: max(1, maxLength)) { scratch in
            let dP = scratch.baseAddress!
            forEachQuery(of: b) { t, r, nKeys in
                for h in 0..<heads {
                    let rowIndex = (r * heads + h) * maxLength
                    let row = UnsafePointer(probs + rowIndex)
                    let m = mask.map { UnsafePointer($0 + rowIndex) }
                    let dctx = dContext + r * d + h * dh
                    // through context = P'·v: dv and dP
                    var pdp: T = 0
                    for j in 0..<nKeys {
                        let keep = m.map { $0[j] } ?? 1
                        let w = row[j] * keep
                        let v = qkv + (base + j) * stride + 2 * d + h * dh
                        let dv = dQKV + (base + j) * stride + 2 * d + h * dh
                        var dot: T = 0
                        for e in 0..<dh { dot += dctx[e] * v[e]; dv[e] += w * dctx[e] }
                        dP[j] = dot * keep
                        pdp += row[j] * dP[j]
                    }
                    // through the softmax and the scaled scores: dq, dk
                    let q = qkv + t * stride + h * dh
                    let dq = dQKV + t * stride + h * dh
                    for j in 0..<nKeys {
                        let dScore = row[j] * (dP[j] - pdp) * s
                        let k = qkv + (base + j) * stride + d + h * dh
                        let dk = dQKV + (base + j) * stride + d + h * dh
                        for e in 0..<dh { dq[e] += dScore * k[e]; dk[e] += dScore * q[e] }
                    }
                }
            }
        }
    }
}
