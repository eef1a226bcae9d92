@testable import GSAU

/// The tiny model (tiny.txt, d = 8) and fixed batches that the whole-objective tests share.
struct TinyObjectiveFixture {
    let config: ModelConfig
    let dataset: Dataset
    let layout: ParameterLayout
    let network: GSAUNetwork<Double>
    /// Graph pairs of tiny.txt users; a negative per pair only for the BPR objective.
    let graphBatch: GraphBatch
    /// Five prefixes of tiny.txt users (1 to 8 items) and their next items.
    let sequenceBatch: SequenceBatch
    /// A derangement of the five sequences.
    let derangement: [Int32] = [2, 0, 4, 1, 3]

    /// `sampledNegatives` > 0: the sampled softmax, with the batch's negatives drawn once (seed 4);
    /// `logitScale` nil leaves the field at the variant's default.
    init(_ variant: Variant, dropout: Double, sampledNegatives: Int = 0, logitScale: Double? = nil) throws {
        var c = ModelConfig(variant: variant)
        c.embeddingSize = 8; c.innerSize = 12; c.heads = 2
        c.transformerLayers = 2; c.graphLayers = 2; c.maxSequenceLength = 6
        c.hiddenDropout = dropout; c.attentionDropout = dropout
        c.sampledNegatives = sampledNegatives
        if let logitScale { c.logitScale = logitScale }
        config = c
        dataset = try Dataset.load(path: TestFiles.fixture("tiny.txt"))
        layout = ParameterLayout(config: c, userCount: dataset.users.count, itemCount: dataset.items.count)
        network = try GSAUNetwork<Double>(config: c, dataset: dataset, layout: layout)
        graphBatch = GraphBatch(users: [1, 2, 3, 5, 8, 2], items: [1, 7, 12, 19, 20, 9],
                                negatives: c.graphObjective == .bpr ? [4, 3, 16, 2, 5, 13] : [])
        var seq = SequenceBatch()
        for (u, k) in [(1, 3), (3, 8), (5, 2), (9, 5), (12, 4)] {
            let items = Array(dataset.items(ofUser: Int32(u)))
            seq.inputs.append(items[0..<k], maxLength: c.maxSequenceLength)
            seq.targets.append(items[k])
        }
        var negativeRNG = RandomGenerator(seed: 4)
        network.objective.sampler?.draw(into: &seq.negatives, rng: &negativeRNG)
        sequenceBatch = seq
    }

    /// The layout's initialisation (seed 11) with the LayerNorm affine parameters perturbed, so
    /// that their gradients are exercised, and everything scaled by 4: Xavier rows of a 21-item
    /// table are tiny and give tiny gradients.
    func parameters() -> [Double] {
        var rng = RandomGenerator(seed: 11)
        var x = [Double](repeating: 0, count: layout.count)
        x.withUnsafeMutableBufferPointer { layout.initialize($0.baseAddress!, rng: &rng) }
        var r = TestRandom(seed: 5)
        for slot in layout.slots where slot.name.contains("LayerNorm") { for i in 0..<slot.count { x[slot.offset + i] += r.uniform(0.3) } }
        for i in 0..<layout.count { x[i] *= 4 }
        return x
    }
}
