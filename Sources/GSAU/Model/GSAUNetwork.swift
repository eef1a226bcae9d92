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
    /// sequential: h · E_itemᵀ, h the SASRec output (eval mode) for the split's history;
    /// graph: U_g[u] · I_gᵀ with the LightGCN layer means.
    func score(parameters p: UnsafePointer<T>, users: UnsafeBufferPointer<Int32>, split: EvaluationSplit,
               into scores: UnsafeMutablePointer<T>) throws {
        let b = users.count, d = config.embeddingSize, items = layout.itemCount
        let h = self.h.reserve(b * d)
        if config.predictWithGraph {
            guard let graph = objective.graph else { throw GSAUError.invalidArgument("graph prediction without a graph encoder") }
            graph.forward(parameters: p)
            graph.gather(ids: users.baseAddress!, count: b, nodeOffset: 0, layer: nil, into: h)
            graph.withMean { mean in
                matmul(h, mean + layout.userCount * d, transB: true, into: scores, m: b, n: items, k: d)
            }
        } else {
            guard let encoder = objective.sequence else { throw GSAUError.invalidArgument("sequential prediction without a sequential encoder") }
            packed.removeAll()
            for u in users { packed.append(dataset.history(ofUser: u, split: split), maxLength: config.maxSequenceLength) }
            var unused = RandomGenerator(seed: 0)
            encoder.forward(parameters: p, batch: packed, training: false, rng: &unused, output: h)
            matmul(h, p + layout.itemTable, transB: true, into: scores, m: b, n: items, k: d)
        }
    }
}
