@testable import GSAU

/// Reference scores for the query tests: the training network's scoring rule with each user's
/// whole history (nothing held out), the path the evaluator uses.
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
