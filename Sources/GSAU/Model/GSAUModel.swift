/// A trained GSAU model: configuration, the dataset it was trained on (id maps and histories),
/// and the parameters. Scores, evaluates and recommends.
///
/// Queries (`recommend`, `similarItems`, via `queryEngine`) are reentrant: any number of threads
/// may run them at once. `evaluate` uses the training network's buffers and is serialised by a
/// lock. Nothing may run while the model is being trained.
public final class GSAUModel {
    public let config: ModelConfig
    public let dataset: Dataset
    public let layout: ParameterLayout
    /// The flat parameter buffer (see `layout` for the named tensors). Setting it drops the
    /// cached query engine, so the next query scores with the new parameters.
    public internal(set) var parameters: [Float] { didSet { engineSlot.withLock { $0 = nil } } }
    let network: GSAUNetwork<Float>
    /// The query engine of the current parameters, built on first use (see `queryEngine`).
    let engineSlot = QueryLock<QueryEngine?>(nil)
    /// Serialises the uses of `network`'s buffers (evaluation, embeddings).
    let networkLock = QueryLock<Void>(())

    init(config: ModelConfig, dataset: Dataset, layout: ParameterLayout, parameters: [Float], network: GSAUNetwork<Float>) {
        self.config = config
        self.dataset = dataset
        self.layout = layout
        self.parameters = parameters
        self.network = network
    }

    /// Number of item columns of a score row (items including padding id 0).
    public var itemCount: Int { layout.itemCount }

    /// Full-ranking evaluation with the configuration's protocol (history masked for the graph
    /// scorers, not for the sequential ones) unless `masking` says otherwise.
    public func evaluate(split: EvaluationSplit, masking: HistoryMasking? = nil,
                         ks: [Int] = Evaluator.defaultKs) throws -> RankingMetrics {
        try networkLock.withLock { _ in
            try Evaluator(dataset: dataset, blockSize: 512).evaluate(Scorer(model: self), split: split,
                                                                     masking: masking ?? config.evaluationMasking, ks: ks)
        }
    }

    /// Top-`count` items for a known user (raw id), from everything the user interacted with
    /// (the test-time history); seen items excluded when `filterSeen`.
    public func recommend(user: String, count: Int, filterSeen: Bool = false) throws -> [(item: String, score: Float)] {
        try queryEngine.recommend(user: user, count: count, filterSeen: filterSeen)
    }

    /// Scores users with the dataset's split histories.
    struct Scorer: FullRankingScorer {
        let model: GSAUModel
        var itemCount: Int { model.itemCount }
        func score(users: UnsafeBufferPointer<Int32>, split: EvaluationSplit, into scores: UnsafeMutablePointer<Float>) {
            model.parameters.withUnsafeBufferPointer { p in
                model.network.score(parameters: p.baseAddress!, users: users, history: { model.dataset.history(ofUser: $0, split: split) },
                                    into: scores)
            }
        }
    }
}
