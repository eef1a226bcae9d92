extension ModelConfig {
    /// The evaluation protocol that goes with the scoring rule (docs/MODEL.md §7.2): history
    /// masked for graph-scored models, not for sequence-scored ones.
    public var evaluationMasking: HistoryMasking { predictWithGraph ? .history : .none }
}

extension GSAUModel {
    /// Full-ranking evaluation with the configuration's protocol unless `masking` says otherwise.
    /// Builds the model's `Scorer` (for graph-scored models one propagation); to evaluate repeatedly,
    /// build one and use `evaluate(with:…)`.
    public func evaluate(split: EvaluationSplit, masking: HistoryMasking? = nil,
                         ks: [Int] = Evaluator.defaultKs) throws -> RankingMetrics {
        try evaluate(with: Scorer(model: self), split: split, masking: masking, ks: ks)
    }

    /// Evaluation with a scorer already built for this model's parameters; `workspace` (one of
    /// `scorer.makeWorkspace()`) is reused when given.
    public func evaluate(with scorer: Scorer, split: EvaluationSplit, masking: HistoryMasking? = nil,
                         ks: [Int] = Evaluator.defaultKs, workspace: ScoringWorkspace? = nil) throws -> RankingMetrics {
        let ranking = ModelRanking(scorer: scorer, dataset: dataset, workspace: workspace ?? scorer.makeWorkspace())
        return try Evaluator(dataset: dataset, blockSize: ModelRanking.blockSize)
            .evaluate(ranking, split: split, masking: masking ?? config.evaluationMasking, ks: ks)
    }
}

/// A model's scorer seen by the evaluator: users scored with their history before the split's
/// target (docs/MODEL.md §7.2).
struct ModelRanking: FullRankingScorer {
    /// Users scored per block: blockSize × items floats of scores.
    static let blockSize = 512
    let scorer: Scorer
    let dataset: Dataset
    let workspace: ScoringWorkspace
    private let vectors: ScratchBuffer<Float>

    init(scorer: Scorer, dataset: Dataset, workspace: ScoringWorkspace) {
        self.scorer = scorer
        self.dataset = dataset
        self.workspace = workspace
        vectors = ScratchBuffer(Self.blockSize * scorer.width)
    }

    var itemCount: Int { scorer.itemCount }

    func score(users: UnsafeBufferPointer<Int32>, split: EvaluationSplit, into scores: UnsafeMutablePointer<Float>) {
        let v = vectors.reserve(users.count * scorer.width)
        scorer.userVectors(users: users, history: { dataset.history(ofUser: $0, split: split) }, workspace: workspace, into: v)
        scorer.scores(userVectors: v, rows: users.count, into: scores)
    }
}
