/// RecBole's early stopping (docs/MODEL.md §6.4): the validation score is rounded to `decimals` places;
/// a score that ties or beats the best so far is an improvement (so the later epoch wins a tie) and
/// resets the counter; otherwise the counter grows, and training stops once it exceeds `patience`
/// (with patience 10: after 11 consecutive epochs without improvement).
struct EarlyStopping {
    let patience: Int
    let decimals: Int
    private(set) var best = -Double.infinity
    private(set) var sinceBest = 0

    init(patience: Int, decimals: Int) {
        self.patience = patience
        self.decimals = decimals
    }

    /// Continues a run from a training-state file.
    mutating func restore(best: Double, sinceBest: Int) {
        self.best = best
        self.sinceBest = sinceBest
    }

    /// Starts counting the epochs without improvement afresh, keeping the best score (after a
    /// learning-rate decay on a plateau, docs/MODEL.md §6.6).
    mutating func restartPatience() {
        sinceBest = 0
    }

    /// Whether the epochs without improvement have run past the patience (the run stops).
    var exhausted: Bool { sinceBest > patience }

    /// Records an epoch's raw score; returns the rounded score, whether it improved, and whether to stop.
    mutating func update(_ score: Double) -> (rounded: Double, improved: Bool, stop: Bool) {
        let rounded = RankingMetrics.rounded(score, places: decimals)
        if rounded >= best {
            best = rounded
            sinceBest = 0
            return (rounded, true, false)
        }
        sinceBest += 1
        return (rounded, false, exhausted)
    }
}
