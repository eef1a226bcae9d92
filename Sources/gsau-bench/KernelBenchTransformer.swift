import GSAU

// gsau-bench kernels, the transformer family at padded (T25600) and packed (Tpacked) token counts:
// Linear, the attention core, LayerNorm / GELU / dropout, and the embedding gather / scatter.

/// Activations, weights and gradients of the size of the largest layer ([T, inner], T padded).
final class TransformerBuffers {
    let x: Floats, y: Floats, dx: Floats, dy: Floats
    let weight: Floats, bias: Floats, dWeight: Floats, dBias: Floats
    let lnWeight: Floats, lnBias: Floats
    let mean: Floats, rstd: Floats, mask: Floats

    init(_ step: BeautyStep, rng: inout RandomGenerator) {
        let (maxT, d, inner) = (step.tokensPadded, step.d, step.inner)
        x = Floats(maxT * inner, std: 1, rng: &rng); y = Floats(maxT * inner)
        dx = Floats(maxT * inner); dy = Floats(maxT * inner, std: 0.01, rng: &rng)
        weight = Floats(inner * inner, std: 0.05, rng: &rng); bias = Floats(inner, std: 0.01, rng: &rng)
        dWeight = Floats(inner * inner); dBias = Floats(inner)
        lnWeight = Floats(d, value: 1); lnBias = Floats(d)
        mean = Floats(maxT); rstd = Floats(maxT); mask = Floats(maxT * inner)
    }
}

/// The token counts the transformer kernels are timed at, with their tags.
func transformerSizes(_ step: BeautyStep) -> [(tag: String, tokens: Int)] {
    [("T25600", step.tokensPadded), ("Tpacked", step.tokensPacked)]
}

/// linear_{qkv,out,ffn_in,ffn_out}_{fwd,bwd}_<tag>.
func benchLinear(_ bench: KernelBench, _ step: BeautyStep, _ t: TransformerBuffers) {
    let (d, inner) = (step.d, step.inner)
    for (tag, T) in transformerSizes(step) {
        bench.header("Linear (y = x·Wᵀ + b) at \(tag) = \(T) tokens")
        for (name, fin, fout) in [("qkv", d, 3 * d), ("out", d, d), ("ffn_in", d, inner), ("ffn_out", inner, d)] {
            let product = 2.0 * Double(T * fin * fout)
            bench.measure("linear_\(name)_fwd_\(tag)", "[\(T)x\(fin)]->\(fout)", flops: product + Double(T * fout)) {
                linearForward(output: t.y.p, input: t.x.p, weight: t.weight.p, bias: t.bias.p, rows: T, inFeatures: fin, outFeatures: fout)
            }
            bench.measure("linear_\(name)_bwd_\(tag)", "dx, dW, db", flops: 2 * product + Double(T * fout)) {
                linearBackward(dInput: t.dx.p, dWeight: t.dWeight.p, dBias: t.dBias.p, dOutput: t.dy.p, input: t.x.p,
                               weight: t.weight.p, rows: T, inFeatures: fin, outFeatures: fout)
            }
        }
    }
}

/// The attention core, causal, 2 heads of 32: attention_{fwd,bwd}_<tag>_{p0,p0.5} for every query,
/// and attention_last_{fwd,bwd}_Tpacked_p0.5 for the last-token queries of SASRec's last layer.
func benchAttention(_ bench: KernelBench, _ step: BeautyStep, rng: inout RandomGenerator) {
    let (B, L, d, heads) = (step.B, step.L, step.d, step.heads)
    let maxT = step.tokensPadded, dh = d / heads
    let qkv = Floats(maxT * 3 * d, std: 0.5, rng: &rng), dQKV = Floats(maxT * 3 * d)
    let context = Floats(maxT * d), dContext = Floats(maxT * d, std: 0.01, rng: &rng)
    let probs = Floats(maxT * heads * L), attentionMask = Floats(maxT * heads * L)
    for (tag, offsets) in [("T25600", step.paddedOffsets), ("Tpacked", step.packedOffsets)] {
        var pairs = 0                        // (query, allowed key) pairs per head
        for b in 0..<B { let n = Int(offsets[b + 1] - offsets[b]); pairs += n * (n + 1) / 2 }
        let T = Int(offsets[B])
        // forward: q·k (2dh) + scale, softmax (max, sub, exp, sum, mul ≈ 5), P·v (2dh), + mask mul
        // backward: dv and dctx·v (4dh), dS (4), dq and dk (4dh)
        let attentionPairs = Double(pairs * heads)
        bench.header("attention core, causal, \(heads) heads × \(dh), \(B) sequences, \(tag) = \(T) tokens, \(pairs) causal pairs/head")
        for p in [0.0, 0.5] {
            let ptag = p == 0 ? "p0" : "p0.5"
            offsets.withUnsafeBufferPointer { o in
                bench.measure("attention_fwd_\(tag)_\(ptag)", "dropout \(p)",
                              flops: attentionPairs * (4 * Double(dh) + 6 + (p > 0 ? 1 : 0))) {
                    attentionForward(context: context.p, probs: probs.p, dropoutMask: p > 0 ? attentionMask.p : nil,
                                     qkv: qkv.p, offsets: o.baseAddress!, sequences: B, maxLength: L, dim: d,
                                     heads: heads, causal: true, dropout: p, rng: &rng)
                }
                bench.measure("attention_bwd_\(tag)_\(ptag)", "dropout \(p)",
                              flops: attentionPairs * (8 * Double(dh) + 6 + (p > 0 ? 2 : 0))) {
                    attentionBackward(dQKV: dQKV.p, dContext: dContext.p, qkv: qkv.p, probs: probs.p,
                                      dropoutMask: p > 0 ? attentionMask.p : nil, offsets: o.baseAddress!, sequences: B,
                                      maxLength: L, dim: d, heads: heads, causal: true, dropout: p)
                }
            }
        }
    }
    // Last-token queries (their own generator, so that the inputs of the later timings stay the same).
    let offsets = step.packedOffsets
    let lastPairs = Double(step.tokensPacked * heads)          // (last query, key) pairs: every token is a key once
    var lastRng = RandomGenerator(seed: 1)
    offsets.withUnsafeBufferPointer { o in
        bench.measure("attention_last_fwd_Tpacked_p0.5", "\(B) last-token queries",
                      flops: lastPairs * (4 * Double(dh) + 7)) {
            attentionForward(context: context.p, probs: probs.p, dropoutMask: attentionMask.p, qkv: qkv.p,
                             offsets: o.baseAddress!, sequences: B, maxLength: L, dim: d, heads: heads, causal: true,
                             queries: .lastToken, dropout: 0.5, rng: &lastRng)
        }
        bench.measure("attention_last_bwd_Tpacked_p0.5", "\(B) last-token queries",
                      flops: lastPairs * (8 * Double(dh) + 8)) {
            attentionBackward(dQKV: dQKV.p, dContext: dContext.p, qkv: qkv.p, probs: probs.p, dropoutMask: attentionMask.p,
                              offsets: o.baseAddress!, sequences: B, maxLength: L, dim: d, heads: heads, causal: true,
                              queries: .lastToken, dropout: 0.5)
        }
    }
}

/// layernorm / gelu / dropout _{fwd,bwd}_<tag>.
func benchElementwise(_ bench: KernelBench, _ step: BeautyStep, _ t: TransformerBuffers, rng: inout RandomGenerator) {
    let (d, inner) = (step.d, step.inner)
    let eps: Float = 1e-12
    for (tag, T) in transformerSizes(step) {
        bench.header("elementwise / row-wise at \(tag) = \(T) tokens")
        let e64 = Double(T * d), e256 = Double(T * inner)
        bench.measure("layernorm_fwd_\(tag)", "[\(T)x64]", flops: 8 * e64, bytes: 8 * e64, model: "x r, y w: 8 B/elem") {
            layerNormForward(output: t.y.p, mean: t.mean.p, rstd: t.rstd.p, input: t.x.p, weight: t.lnWeight.p,
                             bias: t.lnBias.p, rows: T, channels: d, eps: eps)
        }
        bench.measure("layernorm_bwd_\(tag)", "[\(T)x64]", flops: 17 * e64, bytes: 16 * e64, model: "x, dy r, dx r+w: 16 B/elem") {
            layerNormBackward(dInput: t.dx.p, dWeight: t.dWeight.p, dBias: t.dBias.p, dOutput: t.dy.p, input: t.x.p,
                              weight: t.lnWeight.p, mean: t.mean.p, rstd: t.rstd.p, rows: T, channels: d)
        }
        bench.measure("gelu_fwd_\(tag)", "[\(T)x256]", flops: 5 * e256, bytes: 8 * e256, model: "z r, y w: 8 B/elem") {
            geluForward(output: t.y.p, input: t.x.p, count: T * inner)
        }
        bench.measure("gelu_bwd_\(tag)", "[\(T)x256]", flops: 12 * e256, bytes: 16 * e256, model: "z, dy r, dz r+w: 16 B/elem") {
            geluBackward(dInput: t.dx.p, dOutput: t.dy.p, input: t.x.p, count: T * inner)
        }
        bench.measure("dropout_fwd_\(tag)", "[\(T)x64] p=0.5", flops: 2 * e64, bytes: 12 * e64, model: "x r, mask w, y w: 12 B/elem") {
            dropoutForward(output: t.y.p, mask: t.mask.p, input: t.x.p, count: T * d, p: 0.5, rng: &rng)
        }
        bench.measure("dropout_bwd_\(tag)", "[\(T)x64]", flops: 2 * e64, bytes: 16 * e64, model: "dy, mask r, dx r+w: 16 B/elem") {
            dropoutBackward(dInput: t.dx.p, dOutput: t.dy.p, mask: t.mask.p, count: T * d)
        }
    }
}

/// embedding_{fwd,bwd}_Tpacked: item + position gather, and the scatter into both tables (for the
/// step estimate).
func benchEmbedding(_ bench: KernelBench, _ step: BeautyStep, _ t: TransformerBuffers, _ shared: SharedVectors,
                    rng: inout RandomGenerator) {
    let (L, d, items, Tpack) = (step.L, step.d, step.items, step.tokensPacked)
    bench.header("embedding (item + position) at Tpacked = \(Tpack) tokens")
    var ids = [Int32](), positions = [Int32]()
    for len in step.batchLengths { for j in 0..<len { ids.append(Int32(1 + rng.nextInt(below: items - 1))); positions.append(Int32(j)) } }
    let positionTable = Floats(L * d, std: 0.1, rng: &rng), positionGradient = Floats(L * d)
    let e = Double(Tpack * d)
    ids.withUnsafeBufferPointer { idp in
        positions.withUnsafeBufferPointer { pp in
            bench.measure("embedding_fwd_Tpacked", "[\(Tpack)x64] item+pos", flops: e, bytes: 12 * e,
                          model: "2 rows r, 1 w: 12 B/elem") {
                embeddingForward(output: t.y.p, ids: idp.baseAddress!, table: shared.itemTable.p, count: Tpack, dim: d,
                                 positionIds: pp.baseAddress!, positionTable: positionTable.p)
            }
            bench.measure("embedding_bwd_Tpacked", "item + position scatter", flops: 2 * e, bytes: 2 * 12 * e,
                          model: "per table dy r, row r+w: 12 B/elem") {
                embeddingBackward(dTable: shared.itemTableGradient.p, dOutput: t.dy.p, ids: idp.baseAddress!, count: Tpack, dim: d)
                embeddingBackward(dTable: positionGradient.p, dOutput: t.dy.p, ids: pp.baseAddress!, count: Tpack, dim: d)
            }
        }
    }
}
