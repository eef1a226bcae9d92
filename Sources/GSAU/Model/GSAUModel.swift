/// A trained GSAU model: configuration, the dataset it was trained on (id maps and histories),
/// and the parameters. Scores, evaluates and recommends.
///
/// Not safe for concurrent use: scoring reuses internal buffers (concurrent queries need one
/// model per thread until the query engine provides per-call workspaces).
public final class GSAUModel {
    public let config: ModelConfig
    public let dataset: Dataset
    public let layout: ParameterLayout
    /// The flat parameter buffer (see `layout` for the named tensors).
    public internal(set) var parameters: [Float]
    let network: GSAUNetwork<Float>

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
        try Evaluator(dataset: dataset, blockSize: 512).evaluate(Scorer(model: self), split: split,
                                                                 masking: masking ?? config.evaluationMasking, ks: ks)
    }

    /// Top-`count` items for a known user (raw id), from everything the user interacted with
    /// (the test-time history); seen items excluded when `filterSeen`.
    public func recommend(user: String, count: Int, filterSeen: Bool = false) throws -> [(item: String, score: Float)] {
        guard count > 0 else { throw GSAUError.invalidArgument("count must be positive (got \(count))") }
        guard let u = dataset.users.id(of: user) else { throw GSAUError.unknownID("user '\(user)'") }
        var scores = [Float](repeating: 0, count: itemCount)
        let all = allHistoryScorer()
        [u].withUnsafeBufferPointer { users in
            scores.withUnsafeMutableBufferPointer { all.score(users: users, split: .test, into: $0.baseAddress!) }
        }
        let seen = Set(dataset.items(ofUser: u))
        return scores.withUnsafeBufferPointer { s in
            topK(scores: s, k: count, excluded: { filterSeen && seen.contains($0) })
        }.map { (dataset.items.token(of: $0.id)!, $0.score) }
    }

    /// Scores with the user's whole sequence as history (for recommendation after the data ends).
    private func allHistoryScorer() -> FullRankingScorer { FullHistoryScorer(model: self) }

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

    /// Scores users from all their items (nothing held out).
    struct FullHistoryScorer: FullRankingScorer {
        let model: GSAUModel
        var itemCount: Int { model.itemCount }
        func score(users: UnsafeBufferPointer<Int32>, split: EvaluationSplit, into scores: UnsafeMutablePointer<Float>) {
            model.parameters.withUnsafeBufferPointer { p in
                model.network.score(parameters: p.baseAddress!, users: users, history: { model.dataset.items(ofUser: $0) },
                                    into: scores)
            }
        }
    }
}
