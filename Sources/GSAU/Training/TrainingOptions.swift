/// How long to train and how to select the model (docs/MODEL.md §6.4).
public struct TrainingOptions: Sendable, Equatable {
    /// Maximum number of epochs (the original: 300).
    public var epochs = 300
    /// Early stopping: training stops once `patience + 1` consecutive epochs fail to reach the best
    /// validation score (RecBole's `stopping_step` = 10). 0 stops at the first non-improving epoch;
    /// a value >= `epochs` never stops early.
    public var patience = 10
    /// Validation metric for model selection, compared after rounding to `metricDecimals` places,
    /// ties counting as improvement (RecBole: NDCG@20, 4 decimals).
    public var validationMetric = "ndcg@20"
    public var metricDecimals = 4
    /// Cut-offs reported in the history and the result.
    public var ks = [5, 10, 20, 50]
    /// Threads a matrix product is split over (0 = leave the default, one per core); process-wide,
    /// see ProductThreads.swift.
    public var threads = 0

    public init() {}

    public func validate() throws {
        guard epochs >= 1 else { throw GSAUError.invalidArgument("epochs must be >= 1 (got \(epochs))") }
        guard patience >= 0 else { throw GSAUError.invalidArgument("patience must be >= 0 (got \(patience))") }
        guard metricDecimals >= 0 && metricDecimals <= 12 else { throw GSAUError.invalidArgument("metric decimals must be in 0...12") }
        guard threads >= 0 else { throw GSAUError.invalidArgument("threads must be >= 0 (got \(threads))") }
        guard !ks.isEmpty, ks.allSatisfy({ $0 > 0 }) else { throw GSAUError.invalidArgument("every K must be positive") }
        var probe = RankingMetrics(ks: ks + [validationK])
        probe.finalize()
        guard probe[validationMetric] != nil else {
            throw GSAUError.invalidArgument("unknown validation metric '\(validationMetric)'; use recall@K, ndcg@K, mrr@K or precision@K")
        }
    }

    /// The K of the validation metric (evaluated even when not listed in `ks`).
    var validationK: Int { Int(validationMetric.split(separator: "@").last ?? "") ?? 20 }
}
