/// One candidate tried by `GSAUModel.selectingGraphScoreWeight`: the weight and its validation
/// figure (the selection metric, unrounded and rounded as model selection compares it).
public struct GraphScoreWeightTrial: Sendable, Equatable {
    public let weight: Double
    public let validation: Double
    public let rounded: Double
}

extension GSAUModel {
    /// The score-fusion weights tried when the caller names none: 0 (the paper's scoring) and a
    /// geometric ladder around the scale of the sequence scores' spread.
    public static let defaultGraphScoreWeights: [Double] = [0, 0.25, 0.5, 1, 2, 4, 8]

    /// Chooses the score-fusion weight (docs/MODEL.md §7.5) on the validation split alone: every
    /// candidate is evaluated with the selection metric of `options` (NDCG@20, 4 decimals, as early
    /// stopping), the best rounded figure wins, ties going to the earlier candidate (list 0 first
    /// to prefer the paper's scoring). Returns the model with the chosen weight and every trial in
    /// the given order. The test split is never read.
    public func selectingGraphScoreWeight(from candidates: [Double] = GSAUModel.defaultGraphScoreWeights,
                                          options: TrainingOptions = TrainingOptions(),
                                          progress: (GraphScoreWeightTrial) -> Void = { _ in })
        throws -> (model: GSAUModel, trials: [GraphScoreWeightTrial]) {
        guard !candidates.isEmpty else { throw GSAUError.invalidArgument("no score-fusion weight to choose from") }
        try options.validate()
        var chosen: GSAUModel? = nil, bestRounded = -Double.infinity
        var trials: [GraphScoreWeightTrial] = []
        for weight in candidates {
            let candidate = try withGraphScoreWeight(weight)
            let metrics = try candidate.evaluate(split: .validation, ks: [options.validationK])
            guard let figure = metrics[options.validationMetric] else {
                throw GSAUError.invalidArgument("unknown validation metric '\(options.validationMetric)'")
            }
            let trial = GraphScoreWeightTrial(weight: weight, validation: figure,
                                              rounded: RankingMetrics.rounded(figure, places: options.metricDecimals))
            trials.append(trial)
            progress(trial)
            if chosen == nil || trial.rounded > bestRounded { chosen = candidate; bestRounded = trial.rounded }
        }
        guard let chosen else { throw GSAUError.invalidArgument("no score-fusion weight to choose from") }
        return (chosen, trials)
    }
}
