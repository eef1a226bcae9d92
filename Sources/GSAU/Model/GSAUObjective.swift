/// The GSAU objective (docs/MODEL.md §4): forward through both encoders, every loss term, and the
/// backward pass into one gradient buffer (same layout as the parameters).
///
///   graph:      û = normalize(U_g[u]), î = normalize(I_g[i])
///               L_GA = align(û, î), L_GU = unif(û) + unif(î)
///               GraphAU: L_GA = Σ_{X ∈ layers 1..K, mean} [align(Û⁰, Î^X) + align(Î⁰, Û^X)] / (2(K+1)),
///                        L_GU on the layer-0 (ego) rows
///   sequential: ŝ = normalize(h), t̂ = normalize(E_item[target])
///               L_SA = align(ŝ, t̂), or CE(s·ŝ·E_itemᵀ, target) for GSAU(rec) (s the logit scale, 1
///               unless opted in, §4.9; over K sampled items with the log-frequency correction when
///               sampled_negatives = K > 0, §4.8)
///               L_SU = unif(ŝ) + unif(t̂) [+ unif(ŝ, t̂[π]), π a derangement of the batch]
///   total:      L_GA + γ·L_GU + L_SA + γ·L_SU
final class GSAUObjective<T: GSAUScalar> {
    let config: ModelConfig
    let layout: ParameterLayout
    let graph: GraphEncoder<T>?
    let sequence: SequenceEncoder<T>?

    // Graph-side buffers: one [B, d] block per view (the mean, or layers 0...K and the mean).
    let graphRaw = ScratchBuffer<T>(), graphHat = ScratchBuffer<T>(), graphNorms = ScratchBuffer<T>()
    let graphHatGradient = ScratchBuffer<T>(), graphRawGradient = ScratchBuffer<T>()
    // Sequential-side buffers.
    let h = ScratchBuffer<T>(), sHat = ScratchBuffer<T>(), sNorms = ScratchBuffer<T>()
    let tRaw = ScratchBuffer<T>(), tHat = ScratchBuffer<T>(), tNorms = ScratchBuffer<T>(), tPermuted = ScratchBuffer<T>()
    let dSHat = ScratchBuffer<T>(), dTHat = ScratchBuffer<T>(), dTPermuted = ScratchBuffer<T>()
    let dH = ScratchBuffer<T>(), dTRaw = ScratchBuffer<T>()
    let logits = ScratchBuffer<T>(), rowLoss = ScratchBuffer<T>()
    let pairWorkspace = ScratchBuffer<T>()
    // The sampled softmax (sampled_negatives > 0): where negatives come from, log(K · q_j) per item.
    let sampler: ItemFrequencySampler?
    let logExpectedCount: [T]
    let sampledWorkspace = SampledCrossEntropyWorkspace<T>()

    /// `sampler` is required when `config.sampledNegatives` > 0 (its draws must equal it).
    init(config: ModelConfig, layout: ParameterLayout, graph: GraphEncoder<T>?, sequence: SequenceEncoder<T>?,
         sampler: ItemFrequencySampler?) {
        self.config = config
        self.layout = layout
        self.graph = graph
        self.sequence = sequence
        self.sampler = sampler
        logExpectedCount = sampler?.logExpectedCount.map { T($0) } ?? []
    }

    /// Computes the loss and ACCUMULATES its gradient into `g` (the caller zeroes `g` first).
    /// `derangement`: the u–i pairing π (drawn from `rng` when nil and the term is on).
    func lossAndGradients(parameters p: UnsafePointer<T>, gradients g: UnsafeMutablePointer<T>,
                          graphBatch: GraphBatch?, sequenceBatch: SequenceBatch?,
                          derangement: [Int32]? = nil, training: Bool,
                          rng: inout RandomGenerator) throws -> LossTerms {
        var terms = LossTerms()
        let gamma = T(config.gamma)
        var graphAlign: T = 0, graphUniform: T = 0, sequentialMain: T = 0, sequentialUniform: T = 0
        if let graph, let batch = graphBatch, batch.count > 0, config.graphObjective == .bpr {
            let (bpr, regularization) = try bprLoss(graph, batch, parameters: p, gradients: g)
            terms[.graphBPR] = Double(bpr); terms[.graphRegularization] = Double(regularization)
            graphAlign = bpr + regularization
        } else if let graph, let batch = graphBatch, batch.count > 0 {
            let (align, unifUser, unifItem) = try graphLoss(graph, batch, parameters: p, gradients: g, gamma: gamma)
            terms[.graphAlign] = Double(align); terms[.graphUniformUser] = Double(unifUser); terms[.graphUniformItem] = Double(unifItem)
            graphAlign = align
            graphUniform = gamma * (unifUser + unifItem)
        }
        if let sequence, let batch = sequenceBatch, batch.count > 0 {
            try sequentialLoss(sequence, batch, parameters: p, gradients: g, gamma: gamma, derangement: derangement,
                               training: training, rng: &rng, terms: &terms, main: &sequentialMain, uniform: &sequentialUniform)
        }
        let total = graphAlign + graphUniform + sequentialMain + sequentialUniform
        terms.total = Double(total)
        guard total.isFinite else { throw GSAUError.numerical("the loss is \(total)") }
        return terms
    }
}
