@testable import GSAU

/// Reference scores for the query tests: the model's scorer on a block of users with each user's
/// whole history (nothing held out), scored by one matrix product as evaluation scores them.
struct FullHistoryScorer: FullRankingScorer {
    let model: GSAUModel
    var itemCount: Int { model.itemCount }
    func score(users: UnsafeBufferPointer<Int32>, split: EvaluationSplit, into scores: UnsafeMutablePointer<Float>) {
        guard let scorer = try? Scorer(model: model) else { return }
        let d = scorer.width
        var v = [Float](repeating: 0, count: max(2, users.count) * d)
        v.withUnsafeMutableBufferPointer { v in
            scorer.userVectors(users: users, history: { model.dataset.items(ofUser: $0) }, workspace: scorer.makeWorkspace(),
                               into: v.baseAddress!)
            // At least two rows, so one row is scored by a matrix product too (not the query path's gemv).
            if users.count == 1 {
                var extra = [Float](repeating: 0, count: 2 * itemCount)
                extra.withUnsafeMutableBufferPointer { scorer.scores(userVectors: v.baseAddress!, rows: 2, into: $0.baseAddress!) }
                scores.update(from: extra, count: itemCount)
            } else {
                scorer.scores(userVectors: v.baseAddress!, rows: users.count, into: scores)
            }
        }
    }
}
