/// One epoch of training: losses, validation metrics, timing.
public struct EpochRecord: Sendable {
    /// 0-based, as RecBole numbers epochs.
    public var epoch: Int
    public var steps: Int
    /// Sum of the per-step total losses (RecBole logs this sum as the epoch's train loss).
    public var lossSum: Double
    /// Per-step means of each unweighted loss term.
    public var meanTerms: LossTerms
    public var validation: RankingMetrics
    /// The validation metric, rounded as used for model selection.
    public var validationScore: Double
    /// True when this epoch tied or beat the best score (its parameters were kept).
    public var improved: Bool
    public var trainSeconds: Double
    public var evaluationSeconds: Double
}

/// Why training ended.
public enum StopReason: String, Sendable {
    case completed = "max-epochs"
    case earlyStopped = "early-stopping"
    case aborted = "aborted"
}

/// Everything a training run produced, besides the model.
public struct TrainingResult: Sendable {
    public var config: ModelConfig
    public var options: TrainingOptions
    public var datasetPath: String
    public var userCount: Int, itemCount: Int, interactionCount: Int
    public var graphRows: Int, sequentialRows: Int, stepsPerEpoch: Int
    public var history: [EpochRecord] = []
    /// Index into `history` of the kept (best) epoch; nil when aborted before the first epoch ended.
    public var bestEpoch: Int?
    public var bestValidation: RankingMetrics?
    /// The epochs after which the learning rate was decayed on a plateau (docs/MODEL.md §6.6).
    public var learningRateDecayEpochs: [Int] = []
    public var test: RankingMetrics?
    public var stopReason: StopReason = .completed
    public var totalSeconds: Double = 0
    public var blasCore: String
    public var blasThreads: Int

    /// Median training seconds per epoch over epochs 2..N (epoch 1 includes warm-up), or over all
    /// epochs when there are fewer than 3.
    public var secondsPerEpochMedian: Double {
        let times = history.map(\.trainSeconds)
        let used = times.count >= 3 ? Array(times.dropFirst()) : times
        guard !used.isEmpty else { return 0 }
        let s = used.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
