/// The network for one dataset and configuration: the encoders, the objective and the scoring
/// rule, all reading one flat parameter buffer laid out by `layout`.
final class GSAUNetwork<T: GSAUScalar> {
    let config: ModelConfig
    let dataset: Dataset
    let layout: ParameterLayout
    let objective: GSAUObjective<T>
    private var packed = PackedSequences()
    private let h = ScratchBuffer<T>()

    init(config: ModelConfig, dataset: Dataset, layout: ParameterLayout) throws {
        try config.validate()
        self.config = config
        self.dataset = dataset
        self.layout = layout
        var graph: GraphEncoder<T>? = nil
        if config.useGraph {
            // Training edges of the leave-one-out split: (u, i) for every training item.
            var users: [Int32] = [], items: [Int32] = []
            users.reserveCapacity(dataset.trainInteractionCount); items.reserveCapacity(dataset.trainInteractionCount)
            for u in 1..<Int32(dataset.users.count) {
                for i in dataset.trainItems(ofUser: u) { users.append(u); items.append(i) }
            }
            graph = try GraphEncoder(config: config, layout: layout, trainUsers: users, trainItems: items)
        }
        let sequence = config.useSequential ? SequenceEncoder<T>(config: config, layout: layout) : nil
        objective = GSAUObjective(config: config, layout: layout, graph: graph, sequence: sequence)
    }

    /// Full-ranking scores of `users` over all items (column = item id, padding included) with the
    /// configuration's prediction rule (model-spec §2.5):
    /// sequential: h · E_itemᵀ, h the SASRec output (eval mode) for the user's `history`
    /// (its last `maxSequenceLength` items); graph: U_g[u] · I_gᵀ with the LightGCN layer means
    /// of the training graph (the history is not used).
    func score(parameters p: UnsafePointer<T>, users: UnsafeBufferPointer<Int32>,
               history: (Int32) -> ArraySlice<Int32>, into scores: UnsafeMutablePointer<T>) {
        let b = users.count, d = config.embeddingSize, items = layout.itemCount
        let h = self.h.reserve(b * d)
        if let graph = objective.graph, config.predictWithGraph {
            graph.forward(parameters: p)
            graph.gather(ids: users.baseAddress!, count: b, nodeOffset: 0, layer: nil, into: h)
            graph.withMean { mean in
                matmul(h, mean + layout.userCount * d, transB: true, into: scores, m: b, n: items, k: d)
            }
        } else if let encoder = objective.sequence {
            packed.removeAll()
            for u in users { encoder.appendPredictionInput(history(u), to: &packed) }
            var unused = RandomGenerator(seed: 0)
            encoder.forward(parameters: p, batch: packed, training: false, rng: &unused, output: h)
            matmul(h, p + layout.itemTable, transB: true, into: scores, m: b, n: items, k: d)
            if let bias = layout.outputBias { addRowVector(p + bias, to: scores, rows: b, columns: items) }
        } else {
            assertionFailure("validated configurations always have a scorer")
            scores.update(repeating: .nan, count: b * items)
        }
    }

    /// Scores with the dataset's history for `split` (what is known before its target).
    func score(parameters p: UnsafePointer<T>, users: UnsafeBufferPointer<Int32>, split: EvaluationSplit,
               into scores: UnsafeMutablePointer<T>) {
        score(parameters: p, users: users, history: { self.dataset.history(ofUser: $0, split: split) }, into: scores)
    }
}
