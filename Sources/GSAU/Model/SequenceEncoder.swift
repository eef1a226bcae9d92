/// The sequential encoder over packed sequences, forward and backward: SASRec (docs/MODEL.md §3.5)
/// or BERT4Rec (§3.6), which share the embedding and the post-LN transformer layers
/// (TransformerLayer.swift).
///
///   emb = E_item[items] + P[positions]                 [T, d]
///   x   = Dropout(LayerNorm(emb))                      [T, d]
///   x   = layer_l(x), l = 1 … layers                   post-LN transformer layers
///   h[b] = x[last token of sequence b]                 [B, d]
///
/// SASRec attends causally and only h is read, so the LAST layer computes its rows at the B last
/// tokens only (keys and values still for every token): the same numbers as the full computation
/// at those rows, a third less work.
///
/// BERT4Rec attends in both directions (only padding is masked, and packing has none), so every
/// layer runs on every token; the outputs are read at the requested tokens (the masked positions
/// in training, the appended mask token in prediction) and go through the output head:
///   h = LayerNorm(GELU(x[read]·W_hᵀ + b_h))            [R, d]
///
/// Activations are kept in reusable buffers for the backward pass; nothing is allocated once the
/// buffers have grown to the largest batch.
final class SequenceEncoder<T: GSAUScalar> {
    let d: Int, maxLength: Int
    let eps: T
    let hiddenDropout: Double, attentionDropout: Double
    let layout: ParameterLayout
    /// BERT4Rec: bidirectional attention, output head, mask token `layout.itemCount`.
    let bidirectional: Bool

    private let layers: [TransformerLayer<T>]
    private let embedded = ScratchBuffer<T>(), embeddingMean = ScratchBuffer<T>(), embeddingRstd = ScratchBuffer<T>()
    private let embeddingNormed = ScratchBuffer<T>(), embeddingMask = ScratchBuffer<T>(), layerInput0 = ScratchBuffer<T>()
    /// The tokens whose output is read (global token indices): each sequence's last token, or
    /// BERT4Rec's requested tokens.
    private var readRows: [Int32] = []
    // BERT4Rec output head: the read rows, its activations and gradients.
    private let gathered = ScratchBuffer<T>(), headPre = ScratchBuffer<T>(), headAct = ScratchBuffer<T>()
    private let headMean = ScratchBuffer<T>(), headRstd = ScratchBuffer<T>()
    private let gHeadAct = ScratchBuffer<T>(), gHeadPre = ScratchBuffer<T>(), gGathered = ScratchBuffer<T>()
    // Gradient scratch: d(loss)/d(layer output), then of its input; the layers' shared workspace.
    private let gX = ScratchBuffer<T>()
    private let layerScratch = TransformerLayerScratch<T>()

    /// Whether the last forward pass applied dropout (the backward pass must match it).
    private var dropoutActive = false

    init(config: ModelConfig, layout: ParameterLayout) {
        d = config.embeddingSize
        maxLength = config.maxSequenceLength
        eps = T(config.layerNormEps)
        hiddenDropout = config.hiddenDropout; attentionDropout = config.attentionDropout
        self.layout = layout
        bidirectional = config.sequentialEncoder == .bert4rec
        layers = layout.layers.map { TransformerLayer(config: config, weights: $0) }
    }

    private func input(ofLayer l: Int) -> UnsafeMutablePointer<T> {
        l == 0 ? layerInput0.pointer : layers[l - 1].output
    }

    /// SASRec's last layer computes the last tokens only (see above).
    private func computesLastTokensOnly(_ l: Int) -> Bool { l == layers.count - 1 && !bidirectional }

    /// The token id of BERT4Rec's mask token (one past the last item row).
    var maskToken: Int32 { Int32(layout.itemCount) }

    /// Appends the input that predicts the item after `history` (real item ids, non-empty):
    /// SASRec reads its last `maxLength` items; BERT4Rec reads RecBole's `reconstruct_test_data`
    /// of that window: the window without its oldest item, then the mask token (docs/MODEL.md §3.6).
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
        let n = batch.tokens, d = self.d
        dropoutActive = training
        let hiddenP = training ? hiddenDropout : 0, attentionP = training ? attentionDropout : 0
        readRows.removeAll(keepingCapacity: true)
        if readTokens.isEmpty { for b in 0..<batch.count { readRows.append(Int32(batch.lastToken(b))) } } else { readRows += readTokens }
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
        // The transformer layers.
        batch.offsets.withUnsafeBufferPointer { offsets in
            readRows.withUnsafeBufferPointer { read in
                for (l, layer) in layers.enumerated() {
                    layer.forward(parameters: p, input: input(ofLayer: l), tokens: n, offsets: offsets.baseAddress!,
                                  sequences: batch.count, causal: !bidirectional,
                                  lastTokens: computesLastTokensOnly(l) ? read.baseAddress! : nil,
                                  hiddenDropout: hiddenP, attentionDropout: attentionP, rng: &rng)
                }
            }
        }
        let x = layers[layers.count - 1].output
        if !bidirectional {
            // The last layer's output rows are the sequences' last positions.
            h.update(from: x, count: batch.count * d)
            return
        }
        // BERT4Rec: gather the read tokens, then the output head.
        let r = readRows.count
        let rows = gathered.reserve(r * d)
        readRows.withUnsafeBufferPointer { embeddingForward(output: rows, ids: $0.baseAddress!, table: x, count: r, dim: d) }
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
        let n = batch.tokens, d = self.d, nd = n * d
        // dX holds d(loss)/d(layer output): [B, d] for SASRec's last layer, [T, d] below it.
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
            readRows.withUnsafeBufferPointer { embeddingBackward(dTable: dX, dOutput: dRows, ids: $0.baseAddress!, count: r, dim: d) }
        } else {
            dX.update(from: dh, count: batch.count * d)
        }
        batch.offsets.withUnsafeBufferPointer { offsets in
            readRows.withUnsafeBufferPointer { read in
                for l in stride(from: layers.count - 1, through: 0, by: -1) {
                    layers[l].backward(parameters: p, gradients: g, input: input(ofLayer: l), tokens: n,
                                       offsets: offsets.baseAddress!, sequences: batch.count, causal: !bidirectional,
                                       lastTokens: computesLastTokensOnly(l) ? read.baseAddress! : nil,
                                       dX: dX, scratch: layerScratch)
                }
            }
        }
        // Embedding dropout and LayerNorm, then scatter into the item and position tables.
        let dBranch = layerScratch.branch.reserve(nd), dRes = layerScratch.residual.reserve(nd)
        dropoutBackward(overwriting: dBranch, dOutput: dX, mask: embeddingMask.pointer, count: nd,
                        applied: dropoutActive && hiddenDropout > 0)
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
}
