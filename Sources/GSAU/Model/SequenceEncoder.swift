/// The sequential encoder over packed sequences, forward and backward: SASRec (model-spec §2.4)
/// or BERT4Rec (§6), which share the embedding and the post-LN transformer layers.
///
///   emb = E_item[items] + P[positions]                 [T, d]
///   x   = Dropout(LayerNorm(emb))
///   per layer (post-LN):
///     qkv = x·W_qkvᵀ + b_qkv                           [T, 3d]
///     ctx = Attention(qkv), causal, heads, dropout     [T, d]
///     x1  = LayerNorm(Dropout(ctx·W_oᵀ + b_o) + x)
///     f   = GELU(x1·W_1ᵀ + b_1)                        [T, inner]
///     x   = LayerNorm(Dropout(f·W_2ᵀ + b_2) + x1)
///   h[b] = x[last token of sequence b]                 [B, d]
///
/// SASRec attends causally and only h is read, so the LAST layer computes queries, the
/// out-projection, LayerNorms and the FFN for the B last tokens only (keys and values still for
/// every token): the same numbers as the full computation at those rows, a third less work.
///
/// BERT4Rec attends in both directions (only padding is masked, and packing has none), so every
/// layer runs on every token; the outputs are read at the requested tokens (the masked positions
/// in training, the appended mask token in prediction) and go through the output head:
///   h = LayerNorm(GELU(x[read]·W_hᵀ + b_h))            [R, d]
///
/// Activations are kept in reusable buffers for the backward pass; nothing is allocated once the
/// buffers have grown to the largest batch.
final class SequenceEncoder<T: GSAUScalar> {
    let d: Int, heads: Int, inner: Int, maxLength: Int
    let eps: T
    let hiddenDropout: Double, attentionDropout: Double
    let layout: ParameterLayout
    /// BERT4Rec: bidirectional attention, output head, mask token `layout.itemCount`.
    let bidirectional: Bool

    /// Saved activations of one transformer layer.
    final class LayerActivations {
        let qkv = ScratchBuffer<T>(), probs = ScratchBuffer<T>(), attentionMask = ScratchBuffer<T>()
        let context = ScratchBuffer<T>(), outMask = ScratchBuffer<T>()
        let residual1 = ScratchBuffer<T>(), norm1Mean = ScratchBuffer<T>(), norm1Rstd = ScratchBuffer<T>()
        let x1 = ScratchBuffer<T>(), ffnPre = ScratchBuffer<T>(), ffnAct = ScratchBuffer<T>(), ffnMask = ScratchBuffer<T>()
        let residual2 = ScratchBuffer<T>(), norm2Mean = ScratchBuffer<T>(), norm2Rstd = ScratchBuffer<T>()
        let output = ScratchBuffer<T>()
        /// Last layer only: the layer input at the last tokens [B, d] (its residual branch).
        let lastInput = ScratchBuffer<T>()
    }

    private let embedded = ScratchBuffer<T>(), embeddingMean = ScratchBuffer<T>(), embeddingRstd = ScratchBuffer<T>()
    private let embeddingNormed = ScratchBuffer<T>(), embeddingMask = ScratchBuffer<T>(), layerInput0 = ScratchBuffer<T>()
    private let layers: [LayerActivations]
    // Gradient scratch.
    private let gX = ScratchBuffer<T>(), gResidual = ScratchBuffer<T>(), gX1 = ScratchBuffer<T>()
    private let gBranch = ScratchBuffer<T>(), gContext = ScratchBuffer<T>(), gQKV = ScratchBuffer<T>()
    private let gInnerAct = ScratchBuffer<T>(), gInnerPre = ScratchBuffer<T>()
    // BERT4Rec output head: the read rows, its activations and gradients.
    private var readRows: [Int32] = []
    private let gathered = ScratchBuffer<T>(), headPre = ScratchBuffer<T>(), headAct = ScratchBuffer<T>()
    private let headMean = ScratchBuffer<T>(), headRstd = ScratchBuffer<T>()
    private let gHeadAct = ScratchBuffer<T>(), gHeadPre = ScratchBuffer<T>(), gGathered = ScratchBuffer<T>()

    /// Whether the last forward pass applied dropout (the backward pass must match it).
    private var dropoutActive = false

    init(config: ModelConfig, layout: ParameterLayout) {
        d = config.embeddingSize; heads = config.heads; inner = config.innerSize
        maxLength = config.maxSequenceLength
        eps = T(config.layerNormEps)
        hiddenDropout = config.hiddenDropout; attentionDropout = config.attentionDropout
        self.layout = layout
        bidirectional = config.sequentialEncoder == .bert4rec
        layers = (0..<config.transformerLayers).map { _ in LayerActivations() }
    }

    private func input(ofLayer l: Int) -> UnsafeMutablePointer<T> {
        l == 0 ? layerInput0.pointer : layers[l - 1].output.pointer
    }

    /// The token id of BERT4Rec's mask token (one past the last item row).
    var maskToken: Int32 { Int32(layout.itemCount) }

    /// Appends the input that predicts the item after `history` (real item ids, non-empty):
    /// SASRec reads its last `maxLength` items; BERT4Rec reads RecBole's `reconstruct_test_data`
    /// of that window: the window without its oldest item, then the mask token (model-spec §6).
    func appendPredictionInput<C: Collection>(_ history: C, to packed: inout PackedSequences) where C.Element == Int32 {
        if bidirectional {
            packed.append(history.suffix(maxLength).dropFirst(), then: maskToken, maxLength: maxLength)
        } else {
            packed.append(history, maxLength: maxLength)
        }
    }

    /// Encodes `batch` into h [R, d], read at `readTokens` (global token indices; BERT4Rec only)
    /// or, when empty, at each sequence's last token (R = B). `training` turns dropout on (with the
    /// given generator).
    func forward(parameters p: UnsafePointer<T>, batch: PackedSequences, readTokens: [Int32] = [], training: Bool,
                 rng: inout RandomGenerator, output h: UnsafeMutablePointer<T>) {
        assert(readTokens.isEmpty || bidirectional, "SASRec reads the last tokens only")
        let n = batch.tokens, d = self.d, inner = self.inner
        dropoutActive = training
        let hiddenP = training ? hiddenDropout : 0, attentionP = training ? attentionDropout : 0
        // Embedding, LayerNorm, dropout.
        batch.items.withUnsafeBufferPointer { items in
            batch.positions.withUnsafeBufferPointer { positions in
                embeddingForward(output: embedded.reserve(n * d), ids: items.baseAddress!, table: p + layout.itemTable,
                                 count: n, dim: d, positionIds: positions.baseAddress!,
                                 positionTable: p + layout.positionTable!)
            }
        }
        layerNormForward(output: embeddingNormed.reserve(n * d), mean: embeddingMean.reserve(n), rstd: embeddingRstd.reserve(n),
                         input: embedded.pointer, weight: p + layout.embeddingNormWeight!, bias: p + layout.embeddingNormBias!,
                         rows: n, channels: d, eps: eps)
        dropoutForward(output: layerInput0.reserve(n * d), mask: embeddingMask.reserve(n * d),
                       input: embeddingNormed.pointer, count: n * d, p: hiddenP, rng: &rng)

        let lastLayer = layers.count - 1
        batch.offsets.withUnsafeBufferPointer { offsets in
            for (l, a) in layers.enumerated() {
                let o = layout.layers[l]
                let x = input(ofLayer: l)
                let isLast = l == lastLayer && !bidirectional   // SASRec's trimmed last layer
                let rows = isLast ? batch.count : n       // rows after the attention core
                // Self-attention block (keys and values for every token).
                linearForward(output: a.qkv.reserve(n * 3 * d), input: x, weight: p + o.qkvWeight, bias: p + o.qkvBias,
                              rows: n, inFeatures: d, outFeatures: 3 * d)
                let residualInput: UnsafePointer<T>
                if isLast {
                    let probsCount = batch.count * heads * maxLength
                    attentionForward(context: a.context.reserve(rows * d), probs: a.probs.reserve(probsCount),
                                     dropoutMask: attentionP > 0 ? a.attentionMask.reserve(probsCount) : nil,
                                     qkv: a.qkv.pointer, offsets: offsets.baseAddress!, sequences: batch.count,
                                     maxLength: maxLength, dim: d, heads: heads, causal: true, queries: .lastToken,
                                     dropout: attentionP, rng: &rng)
                    let lastInput = a.lastInput.reserve(rows * d)
                    for b in 0..<rows { (lastInput + b * d).update(from: x + batch.lastToken(b) * d, count: d) }
                    residualInput = UnsafePointer(lastInput)
                } else {
                    let probsCount = n * heads * maxLength
                    attentionForward(context: a.context.reserve(n * d), probs: a.probs.reserve(probsCount),
                                     dropoutMask: attentionP > 0 ? a.attentionMask.reserve(probsCount) : nil,
                                     qkv: a.qkv.pointer, offsets: offsets.baseAddress!, sequences: batch.count,
                                     maxLength: maxLength, dim: d, heads: heads, causal: !bidirectional,
                                     dropout: attentionP, rng: &rng)
                    residualInput = UnsafePointer(x)
                }
                let r1 = a.residual1.reserve(rows * d)
                linearForward(output: r1, input: a.context.pointer, weight: p + o.outWeight, bias: p + o.outBias,
                              rows: rows, inFeatures: d, outFeatures: d)
                dropoutForward(output: r1, mask: a.outMask.reserve(rows * d), input: r1, count: rows * d, p: hiddenP, rng: &rng)
                for i in 0..<(rows * d) { r1[i] += residualInput[i] }
                layerNormForward(output: a.x1.reserve(rows * d), mean: a.norm1Mean.reserve(rows), rstd: a.norm1Rstd.reserve(rows),
                                 input: r1, weight: p + o.attentionNormWeight, bias: p + o.attentionNormBias,
                                 rows: rows, channels: d, eps: eps)
                // Feed-forward block.
                linearForward(output: a.ffnPre.reserve(rows * inner), input: a.x1.pointer, weight: p + o.ffnInWeight,
                              bias: p + o.ffnInBias, rows: rows, inFeatures: d, outFeatures: inner)
                geluForward(output: a.ffnAct.reserve(rows * inner), input: a.ffnPre.pointer, count: rows * inner)
                let r2 = a.residual2.reserve(rows * d)
                linearForward(output: r2, input: a.ffnAct.pointer, weight: p + o.ffnOutWeight, bias: p + o.ffnOutBias,
                              rows: rows, inFeatures: inner, outFeatures: d)
                dropoutForward(output: r2, mask: a.ffnMask.reserve(rows * d), input: r2, count: rows * d, p: hiddenP, rng: &rng)
                let x1 = a.x1.pointer
                for i in 0..<(rows * d) { r2[i] += x1[i] }
                layerNormForward(output: a.output.reserve(rows * d), mean: a.norm2Mean.reserve(rows), rstd: a.norm2Rstd.reserve(rows),
                                 input: r2, weight: p + o.ffnNormWeight, bias: p + o.ffnNormBias,
                                 rows: rows, channels: d, eps: eps)
            }
        }
        if !bidirectional {
            // The last layer's output rows are the sequences' last positions.
            h.update(from: layers[lastLayer].output.pointer, count: batch.count * d)
            return
        }
        // BERT4Rec: gather the read tokens, then the output head.
        readRows.removeAll(keepingCapacity: true)
        if readTokens.isEmpty { for b in 0..<batch.count { readRows.append(Int32(batch.lastToken(b))) } } else { readRows += readTokens }
        let r = readRows.count, x = layers[lastLayer].output.pointer
        let rows = gathered.reserve(r * d)
        for (k, t) in readRows.enumerated() { (rows + k * d).update(from: x + Int(t) * d, count: d) }
        linearForward(output: headPre.reserve(r * d), input: rows, weight: p + layout.headWeight!, bias: p + layout.headBias!,
                      rows: r, inFeatures: d, outFeatures: d)
        geluForward(output: headAct.reserve(r * d), input: headPre.pointer, count: r * d)
        layerNormForward(output: h, mean: headMean.reserve(r), rstd: headRstd.reserve(r), input: headAct.pointer,
                         weight: p + layout.headNormWeight!, bias: p + layout.headNormBias!, rows: r, channels: d, eps: eps)
    }

    /// Back-propagates dL/dh [R, d] through the last forward pass, ACCUMULATING into the
    /// parameter gradients `g` (same layout as the parameters).
    func backward(parameters p: UnsafePointer<T>, gradients g: UnsafeMutablePointer<T>,
                  batch: PackedSequences, dOutput dh: UnsafePointer<T>) {
        let n = batch.tokens, d = self.d, inner = self.inner, nd = n * d
        let lastLayer = layers.count - 1
        // dX holds d(loss)/d(layer output): [B, d] for the last layer, [T, d] below it.
        let dX = gX.reserve(nd)
        if bidirectional {
            // Output head backward, then scatter into the read tokens (dX is [T, d] throughout).
            let r = readRows.count, rd = r * d
            let dAct = gHeadAct.reserve(rd), dPre = gHeadPre.reserve(rd), dRows = gGathered.reserve(rd)
            dAct.update(repeating: 0, count: rd)
            layerNormBackward(dInput: dAct, dWeight: g + layout.headNormWeight!, dBias: g + layout.headNormBias!, dOutput: dh,
                              input: headAct.pointer, weight: p + layout.headNormWeight!,
                              mean: headMean.pointer, rstd: headRstd.pointer, rows: r, channels: d)
            dPre.update(repeating: 0, count: rd)
            geluBackward(dInput: dPre, dOutput: dAct, input: headPre.pointer, count: rd)
            dRows.update(repeating: 0, count: rd)
            linearBackward(dInput: dRows, dWeight: g + layout.headWeight!, dBias: g + layout.headBias!, dOutput: dPre,
                           input: gathered.pointer, weight: p + layout.headWeight!, rows: r, inFeatures: d, outFeatures: d)
            dX.update(repeating: 0, count: nd)
            for (k, t) in readRows.enumerated() {
                let dst = dX + Int(t) * d, src = dRows + k * d
                for c in 0..<d { dst[c] += src[c] }
            }
        } else {
            dX.update(from: dh, count: batch.count * d)
        }
        let dRes = gResidual.reserve(nd), dX1 = gX1.reserve(nd), dBranch = gBranch.reserve(nd)
        let dCtx = gContext.reserve(nd), dQKV = gQKV.reserve(3 * nd)
        let dAct = gInnerAct.reserve(n * inner), dPre = gInnerPre.reserve(n * inner)
        batch.offsets.withUnsafeBufferPointer { offsets in
            for l in stride(from: lastLayer, through: 0, by: -1) {
                let a = layers[l], o = layout.layers[l]
                let x = input(ofLayer: l)
                let isLast = l == lastLayer && !bidirectional
                let rows = isLast ? batch.count : n, rd = rows * d
                // Feed-forward block: x_out = LN2(r2), r2 = Dropout(f·W2ᵀ + b2) + x1.
                dRes.update(repeating: 0, count: rd)
                layerNormBackward(dInput: dRes, dWeight: g + o.ffnNormWeight, dBias: g + o.ffnNormBias, dOutput: dX,
                                  input: a.residual2.pointer, weight: p + o.ffnNormWeight,
                                  mean: a.norm2Mean.pointer, rstd: a.norm2Rstd.pointer, rows: rows, channels: d)
                branchGradient(dBranch, from: dRes, mask: a.ffnMask.pointer, count: rd)
                dAct.update(repeating: 0, count: rows * inner)
                linearBackward(dInput: dAct, dWeight: g + o.ffnOutWeight, dBias: g + o.ffnOutBias, dOutput: dBranch,
                               input: a.ffnAct.pointer, weight: p + o.ffnOutWeight, rows: rows, inFeatures: inner, outFeatures: d)
                dPre.update(repeating: 0, count: rows * inner)
                geluBackward(dInput: dPre, dOutput: dAct, input: a.ffnPre.pointer, count: rows * inner)
                dX1.update(from: dRes, count: rd)                                   // residual path
                linearBackward(dInput: dX1, dWeight: g + o.ffnInWeight, dBias: g + o.ffnInBias, dOutput: dPre,
                               input: a.x1.pointer, weight: p + o.ffnInWeight, rows: rows, inFeatures: d, outFeatures: inner)
                // Attention block: x1 = LN1(r1), r1 = Dropout(ctx·W_oᵀ + b_o) + x.
                dRes.update(repeating: 0, count: rd)
                layerNormBackward(dInput: dRes, dWeight: g + o.attentionNormWeight, dBias: g + o.attentionNormBias,
                                  dOutput: dX1, input: a.residual1.pointer, weight: p + o.attentionNormWeight,
                                  mean: a.norm1Mean.pointer, rstd: a.norm1Rstd.pointer, rows: rows, channels: d)
                branchGradient(dBranch, from: dRes, mask: a.outMask.pointer, count: rd)
                dCtx.update(repeating: 0, count: rd)
                linearBackward(dInput: dCtx, dWeight: g + o.outWeight, dBias: g + o.outBias, dOutput: dBranch,
                               input: a.context.pointer, weight: p + o.outWeight, rows: rows, inFeatures: d, outFeatures: d)
                dQKV.update(repeating: 0, count: 3 * nd)
                let attentionP = dropoutActive ? attentionDropout : 0
                if isLast {
                    attentionBackward(dQKV: dQKV, dContext: dCtx, qkv: a.qkv.pointer, probs: a.probs.pointer,
                                      dropoutMask: attentionP > 0 ? a.attentionMask.pointer : nil,
                                      offsets: offsets.baseAddress!, sequences: batch.count, maxLength: maxLength,
                                      dim: d, heads: heads, causal: true, queries: .lastToken, dropout: attentionP)
                    // Residual path: only the last tokens fed the rows of this layer.
                    dX.update(repeating: 0, count: nd)
                    for b in 0..<rows { (dX + batch.lastToken(b) * d).update(from: dRes + b * d, count: d) }
                } else {
                    attentionBackward(dQKV: dQKV, dContext: dCtx, qkv: a.qkv.pointer, probs: a.probs.pointer,
                                      dropoutMask: attentionP > 0 ? a.attentionMask.pointer : nil,
                                      offsets: offsets.baseAddress!, sequences: batch.count, maxLength: maxLength,
                                      dim: d, heads: heads, causal: !bidirectional, dropout: attentionP)
                    dX.update(from: dRes, count: nd)                                // residual path
                }
                linearBackward(dInput: dX, dWeight: g + o.qkvWeight, dBias: g + o.qkvBias, dOutput: dQKV,
                               input: x, weight: p + o.qkvWeight, rows: n, inFeatures: d, outFeatures: 3 * d)
            }
        }
        // Embedding dropout and LayerNorm, then scatter into the item and position tables.
        branchGradient(dBranch, from: dX, mask: embeddingMask.pointer, count: nd)
        dRes.update(repeating: 0, count: nd)
        layerNormBackward(dInput: dRes, dWeight: g + layout.embeddingNormWeight!, dBias: g + layout.embeddingNormBias!,
                          dOutput: dBranch, input: embedded.pointer, weight: p + layout.embeddingNormWeight!,
                          mean: embeddingMean.pointer, rstd: embeddingRstd.pointer, rows: n, channels: d)
        batch.items.withUnsafeBufferPointer { items in
            embeddingBackward(dTable: g + layout.itemTable, dOutput: dRes, ids: items.baseAddress!, count: n, dim: d)
        }
        batch.positions.withUnsafeBufferPointer { positions in
            embeddingBackward(dTable: g + layout.positionTable!, dOutput: dRes, ids: positions.baseAddress!, count: n, dim: d)
        }
    }

    /// dBranch = dy ⊙ mask when the forward pass applied hidden dropout, else dy.
    private func branchGradient(_ out: UnsafeMutablePointer<T>, from dy: UnsafePointer<T>,
                                mask: UnsafePointer<T>, count: Int) {
        if dropoutActive && hiddenDropout > 0 {
            out.update(repeating: 0, count: count)
            dropoutBackward(dInput: out, dOutput: dy, mask: mask, count: count)
        } else {
            out.update(from: dy, count: count)
        }
    }
}
