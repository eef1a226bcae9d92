import Glibc

/// Where the sampled softmax's negatives come from (docs/MODEL.md §4.8): every training step draws
/// K items with replacement, each with probability q_j = n_j / N, n_j its count among the training
/// interactions (items never seen in training are never drawn). The correction subtracts
/// log(K · q_j), the log of item j's expected count among the K draws, from its logit.
struct ItemFrequencySampler {
    /// K, the draws per step.
    let draws: Int
    /// Running sums of the counts: cumulative[j] = n_0 + … + n_j (index = dense item id).
    private let cumulative: [Int]
    /// log(K · max(n_j, 1) / N) per item: an item with no training count never appears as a
    /// negative, and one that still appears as a target is corrected as if it had one.
    let logExpectedCount: [Double]

    /// nil when no item has a training count.
    init?(counts: [Int], draws: Int) {
        var sums: [Int] = [], total = 0
        sums.reserveCapacity(counts.count)
        for n in counts { total += max(0, n); sums.append(total) }
        guard total > 0, draws > 0 else { return nil }
        self.draws = draws
        cumulative = sums
        let logTotal = log(Double(total)), logDraws = log(Double(draws))
        logExpectedCount = counts.map { logDraws + log(Double(max($0, 1))) - logTotal }
    }

    /// Fills `negatives` with K draws from `rng`.
    func draw(into negatives: inout [Int32], rng: inout RandomGenerator) {
        negatives.removeAll(keepingCapacity: true)
        let total = cumulative[cumulative.count - 1]
        for _ in 0..<draws {
            let u = rng.nextInt(below: total)               // the item whose count range holds u
            var low = 0, high = cumulative.count - 1
            while low < high {
                let mid = (low + high) / 2
                if cumulative[mid] > u { high = mid } else { low = mid + 1 }
            }
            negatives.append(Int32(low))
        }
    }
}
