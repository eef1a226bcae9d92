/// One post-LN transformer layer over packed sequences (docs/MODEL.md §3.5), forward and backward,
/// keeping the activations its backward pass reads.
///
///   x                                                    [T, d]      the layer input, every token
///   qkv = x·W_qkvᵀ + b_qkv                               [T, 3d]
///   ctx = Attention(qkv), heads, causal or not, Drop_pa  [R, d]
///   r1  = Drop_ph(ctx·W_oᵀ + b_o) + x[rows]              [R, d]
///   x1  = LN_1(r1)                                       [R, d]
///   f   = GELU(x1·W_1ᵀ + b_1)                            [R, inner]
///   r2  = Drop_ph(f·W_2ᵀ + b_2) + x1                     [R, d]
///   out = LN_2(r2)                                       [R, d]
///
/// The rows R are every token (R = T), or, when the forward pass is given `lastTokens`, the last
/// token of each sequence (R = B): keys and values still come from every token, but the queries, the
/// out-projection, the LayerNorms and the FFN run on B rows (SASRec's last layer, whose output is
/// read at the last tokens only; the same numbers at those rows, a third less work).
final class TransformerLayer<T: GSAUScalar> {
    let d: Int, heads: Int, inner: Int, maxLength: Int
    let eps: T
    let weights: TransformerLayerOffsets

    // Saved activations ([T, ·] or [R, ·] as above).
    private let qkv = ScratchBuffer<T>(), probs = ScratchBuffer<T>(), attentionMask = ScratchBuffer<T>()
    private let context = ScratchBuffer<T>(), outMask = ScratchBuffer<T>()
    private let residual1 = ScratchBuffer<T>(), norm1Mean = ScratchBuffer<T>(), norm1Rstd = ScratchBuffer<T>()
    private let x1 = ScratchBuffer<T>(), ffnPre = ScratchBuffer<T>(), ffnAct = ScratchBuffer<T>(), ffnMask = ScratchBuffer<T>()
    private let residual2 = ScratchBuffer<T>(), norm2Mean = ScratchBuffer<T>(), norm2Rstd = ScratchBuffer<T>()
    private let out = ScratchBuffer<T>()
    /// Last-token rows only: x at the last tokens [B, d] (the residual branch of r1).
    private let rowInput = ScratchBuffer<T>()
    /// The dropout probabilities of the last forward pass (its backward must match them).
    private var hiddenP = 0.0, attentionP = 0.0

    init(config: ModelConfig, weights: TransformerLayerOffsets) {
        d = config.embeddingSize; heads = config.heads; inner = config.innerSize
        maxLength = config.maxSequenceLength
        eps = T(config.layerNormEps)
        self.weights = weights
    }

    /// The output [R, d] of the last forward pass.
    var output: UnsafeMutablePointer<T> { out.pointer }

    /// Forward pass over the `tokens` rows of `x` (sequences as `offsets`, [sequences + 1]);
    /// `lastTokens` ([sequences] global token indices, each sequence's last) selects R = B rows.
    /// Dropout probabilities 0 turn dropout off (no random numbers are drawn).
    func forward(parameters p: UnsafePointer<T>, input x: UnsafePointer<T>, tokens n: Int,
                 offsets: UnsafePointer<Int32>, sequences: Int, causal: Bool, lastTokens: UnsafePointer<Int32>?,
                 hiddenDropout: Double, attentionDropout: Double, rng: inout RandomGenerator) {
        let o = weights, d = self.d, inner = self.inner
        hiddenP = hiddenDropout; attentionP = attentionDropout
        let rows = lastTokens == nil ? n : sequences
        // Self-attention block (keys and values for every token).
        linearForward(output: qkv.reserve(n * 3 * d), input: x, weight: p + o.qkvWeight, bias: p + o.qkvBias,
                      rows: n, inFeatures: d, outFeatures: 3 * d)
        let probsCount = rows * heads * maxLength
        attentionForward(context: context.reserve(rows * d), probs: probs.reserve(probsCount),
                         dropoutMask: attentionP > 0 ? attentionMask.reserve(probsCount) : nil,
                         qkv: qkv.pointer, offsets: offsets, sequences: sequences, maxLength: maxLength, dim: d,
                         heads: heads, causal: causal, queries: lastTokens == nil ? .all : .lastToken,
                         dropout: attentionP, rng: &rng)
        var residualInput = x
        if let lastTokens {
            embeddingForward(output: rowInput.reserve(rows * d), ids: lastTokens, table: x, count: rows, dim: d)
            residualInput = UnsafePointer(rowInput.pointer)
        }
        let r1 = residual1.reserve(rows * d)
        linearForward(output: r1, input: context.pointer, weight: p + o.outWeight, bias: p + o.outBias,
                      rows: rows, inFeatures: d, outFeatures: d)
        dropoutForward(output: r1, mask: outMask.reserve(rows * d), input: r1, count: rows * d, p: hiddenP, rng: &rng)
        for i in 0..<(rows * d) { r1[i] += residualInput[i] }
        layerNormForward(output: x1.reserve(rows * d), mean: norm1Mean.reserve(rows), rstd: norm1Rstd.reserve(rows),
                         input: r1, weight: p + o.attentionNormWeight, bias: p + o.attentionNormBias,
                         rows: rows, channels: d, eps: eps)
        // Feed-forward block.
        linearForward(output: ffnPre.reserve(rows * inner), input: x1.pointer, weight: p + o.ffnInWeight,
                      bias: p + o.ffnInBias, rows: rows, inFeatures: d, outFeatures: inner)
        geluForward(output: ffnAct.reserve(rows * inner), input: ffnPre.pointer, count: rows * inner)
        let r2 = residual2.reserve(rows * d)
        linearForward(output: r2, input: ffnAct.pointer, weight: p + o.ffnOutWeight, bias: p + o.ffnOutBias,
                      rows: rows, inFeatures: inner, outFeatures: d)
        dropoutForward(output: r2, mask: ffnMask.reserve(rows * d), input: r2, count: rows * d, p: hiddenP, rng: &rng)
        let x1 = self.x1.pointer
        for i in 0..<(rows * d) { r2[i] += x1[i] }
        layerNormForward(output: out.reserve(rows * d), mean: norm2Mean.reserve(rows), rstd: norm2Rstd.reserve(rows),
                         input: r2, weight: p + o.ffnNormWeight, bias: p + o.ffnNormBias,
                         rows: rows, channels: d, eps: eps)
    }

    /// Backward pass of the last forward pass (same input, batch and `lastTokens`). `dX` holds
    /// d(loss)/d(output) [R, d] on entry and d(loss)/d(input) [T, d] on return (room for [T, d]);
    /// parameter gradients are ACCUMULATED into `g` (same layout as the parameters).
    func backward(parameters p: UnsafePointer<T>, gradients g: UnsafeMutablePointer<T>, input x: UnsafePointer<T>,
                  tokens n: Int, offsets: UnsafePointer<Int32>, sequences: Int, causal: Bool,
                  lastTokens: UnsafePointer<Int32>?, dX: UnsafeMutablePointer<T>, scratch: TransformerLayerScratch<T>) {
        let o = weights, d = self.d, inner = self.inner, nd = n * d
        let rows = lastTokens == nil ? n : sequences, rd = rows * d
        let dRes = scratch.residual.reserve(rd), dX1 = scratch.x1.reserve(rd), dBranch = scratch.branch.reserve(rd)
        let dCtx = scratch.context.reserve(rd), dQKV = scratch.qkv.reserve(3 * nd)
        let dAct = scratch.innerAct.reserve(rows * inner), dPre = scratch.innerPre.reserve(rows * inner)
        // Feed-forward block: out = LN2(r2), r2 = Dropout(f·W2ᵀ + b2) + x1.
        dRes.update(repeating: 0, count: rd)
        layerNormBackward(dInput: dRes, dWeight: g + o.ffnNormWeight, dBias: g + o.ffnNormBias, dOutput: dX,
                          input: residual2.pointer, weight: p + o.ffnNormWeight,
                          mean: norm2Mean.pointer, rstd: norm2Rstd.pointer, rows: rows, channels: d)
        dropoutBackward(overwriting: dBranch, dOutput: dRes, mask: ffnMask.pointer, count: rd, applied: hiddenP > 0)
        dAct.update(repeating: 0, count: rows * inner)
        linearBackward(dInput: dAct, dWeight: g + o.ffnOutWeight, dBias: g + o.ffnOutBias, dOutput: dBranch,
                       input: ffnAct.pointer, weight: p + o.ffnOutWeight, rows: rows, inFeatures: inner, outFeatures: d)
        dPre.update(repeating: 0, count: rows * inner)
        geluBackward(dInput: dPre, dOutput: dAct, input: ffnPre.pointer, count: rows * inner)
        dX1.update(from: dRes, count: rd)                                   // residual path
        linearBackward(dInput: dX1, dWeight: g + o.ffnInWeight, dBias: g + o.ffnInBias, dOutput: dPre,
                       input: x1.pointer, weight: p + o.ffnInWeight, rows: rows, inFeatures: d, outFeatures: inner)
        // Attention block: x1 = LN1(r1), r1 = Dropout(ctx·W_oᵀ + b_o) + x[rows].
        dRes.update(repeating: 0, count: rd)
        layerNormBackward(dInput: dRes, dWeight: g + o.attentionNormWeight, dBias: g + o.attentionNormBias,
                          dOutput: dX1, input: residual1.pointer, weight: p + o.attentionNormWeight,
                          mean: norm1Mean.pointer, rstd: norm1Rstd.pointer, rows: rows, channels: d)
        dropoutBackward(overwriting: dBranch, dOutput: dRes, mask: outMask.pointer, count: rd, applied: hiddenP > 0)
        dCtx.update(repeating: 0, count: rd)
        linearBackward(dInput: dCtx, dWeight: g + o.outWeight, dBias: g + o.outBias, dOutput: dBranch,
                       input: context.pointer, weight: p + o.outWeight, rows: rows, inFeatures: d, outFeatures: d)
        dQKV.update(repeating: 0, count: 3 * nd)
        attentionBackward(dQKV: dQKV, dContext: dCtx, qkv: qkv.pointer, probs: probs.pointer,
                          dropoutMask: attentionP > 0 ? attentionMask.pointer : nil, offsets: offsets,
                          sequences: sequences, maxLength: maxLength, dim: d, heads: heads, causal: causal,
                          queries: lastTokens == nil ? .all : .lastToken, dropout: attentionP)
        // Residual path into the input rows (only the last tokens fed R = B rows), then the qkv projection.
        if let lastTokens {
            dX.update(repeating: 0, count: nd)
            embeddingBackward(dTable: dX, dOutput: dRes, ids: lastTokens, count: rows, dim: d)
        } else {
            dX.update(from: dRes, count: nd)
        }
        linearBackward(dInput: dX, dWeight: g + o.qkvWeight, dBias: g + o.qkvBias, dOutput: dQKV,
                       input: x, weight: p + o.qkvWeight, rows: n, inFeatures: d, outFeatures: 3 * d)
    }
}

/// Gradient workspace of `TransformerLayer.backward`, shared by the layers of one encoder (they run
/// one after the other); grown to the largest batch, then reused without allocation.
final class TransformerLayerScratch<T: GSAUScalar> {
    let residual = ScratchBuffer<T>(), x1 = ScratchBuffer<T>(), branch = ScratchBuffer<T>()
    let context = ScratchBuffer<T>(), qkv = ScratchBuffer<T>()
    let innerAct = ScratchBuffer<T>(), innerPre = ScratchBuffer<T>()
}
