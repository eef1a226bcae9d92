import Dispatch

/// Whether items the user already interacted with are excluded from the ranking.
public enum HistoryMasking: String, Sendable, CaseIterable {
    /// Only the padding item is excluded: the sequential protocol (SASRec, GSAU; the paper's numbers).
    case none
    /// The graph models' protocol: training items are excluded at validation, training and
    /// validation items at test. The target itself is never excluded, even if it occurs earlier.
    case history
}

/// Anything that scores every item for a block of users.
public protocol FullRankingScorer {
    /// Number of score columns (items including padding id 0).
    var itemCount: Int { get }
    /// Writes `scores[b * itemCount + i]` = score of item i for `users[b]`, using what is known
    /// before `split`'s target (the dataset's history for that split).
    func score(users: UnsafeBufferPointer<Int32>, split: EvaluationSplit, into scores: UnsafeMutablePointer<Float>)
}

/// Full-ranking evaluation over all items for every user of a dataset.
///
/// Scores are computed in blocks of `blockSize` users (memory: blockSize × items floats), then each
/// user's target rank is found in one pass over its row: rank = 1 + #{items scoring higher} +
/// #{items scoring equal with a lower id}. That is the rank the target has in a top-K list ordered
/// by (score desc, id asc) — the `topK` order — so metrics for any K follow without sorting.
/// A NaN target score ranks last.
public struct Evaluator: Sendable {
    public let dataset: Dataset
    public var blockSize: Int

    public init(dataset: Dataset, blockSize: Int = 1024) {
        self.dataset = dataset
        self.blockSize = max(1, blockSize)
    }

    public static let defaultKs = [1, 5, 10, 20, 50]

    /// Evaluates `scorer` on `split`; `users` restricts the evaluation to some users (default: all).
    public func evaluate(_ scorer: FullRankingScorer, split: EvaluationSplit, masking: HistoryMasking,
                         ks: [Int] = Evaluator.defaultKs, users subset: [Int32]? = nil) throws -> RankingMetrics {
        guard !ks.isEmpty, ks.allSatisfy({ $0 > 0 }) else { throw GSAUError.invalidArgument("every K must be positive") }
        let n = scorer.itemCount
        guard n == dataset.items.count else {
            throw GSAUError.invalidArgument("scorer has \(n) item columns, the dataset \(dataset.items.count)")
        }
        var total = RankingMetrics(ks: ks)
        if let bad = subset?.first(where: { $0 < 1 || Int($0) >= dataset.users.count }) {
            throw GSAUError.unknownID("user index \(bad) (dataset has users 1..<\(dataset.users.count))")
        }
        if let bad = subset?.first(where: { !dataset.hasTarget(ofUser: $0, split: split) }) {
            throw GSAUError.invalidArgument("user index \(bad) has no \(split.rawValue) target (hold-out \(dataset.holdOut.rawValue))")
        }
        let users = subset ?? dataset.evaluationUsers(split)
        guard !users.isEmpty else {
            throw GSAUError.invalidArgument("no users to evaluate on the \(split.rawValue) split (hold-out \(dataset.holdOut.rawValue))")
        }
        var scores = [Float](repeating: 0, count: min(blockSize, users.count) * n)
        var start = 0
        while start < users.count {
            let count = min(blockSize, users.count - start)
            let block = Array(users[start..<start + count])
            block.withUnsafeBufferPointer { ub in
                scores.withUnsafeMutableBufferPointer { sb in
                    scorer.score(users: ub, split: split, into: sb.baseAddress!)
                    total.merge(rankBlock(users: ub, scores: sb.baseAddress!, itemCount: n,
                                          split: split, masking: masking, ks: ks))
                }
            }
            start += count
        }
        total.finalize()
        return total
    }

    /// Target ranks of one scored block, accumulated into metric sums (parallel over fixed chunks,
    /// merged in chunk order so results do not depend on the thread count).
    private func rankBlock(users: UnsafeBufferPointer<Int32>, scores: UnsafeMutablePointer<Float>, itemCount n: Int,
                           split: EvaluationSplit, masking: HistoryMasking, ks: [Int]) -> RankingMetrics {
        let chunk = 64
        let chunks = (users.count + chunk - 1) / chunk
        var partial = [RankingMetrics](repeating: RankingMetrics(ks: ks), count: chunks)
        let dataset = self.dataset
        let shared = UnsafeSendable(scores)
        partial.withUnsafeMutableBufferPointer { parts in
            let out = UnsafeSendable(parts.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                var m = RankingMetrics(ks: ks)
                for b in (c * chunk)..<min(users.count, (c + 1) * chunk) {
                    let u = users[b]
                    let row = shared.pointer + b * n
                    let target = dataset.target(ofUser: u, split: split)
                    row[0] = -.infinity
                    if masking == .history {
                        for i in dataset.history(ofUser: u, split: split) where i != target { row[Int(i)] = -.infinity }
                    }
                    m.add(rank: targetRank(row: row, count: n, target: target))
                }
                out.pointer[c] = m
            }
        }
        var merged = RankingMetrics(ks: ks)
        for p in partial { merged.merge(p) }
        return merged
    }
}

/// 1-based rank of `target` in a score row ordered by (score desc, id asc); NaN target ranks last.
func targetRank(row: UnsafePointer<Float>, count n: Int, target: Int32) -> Int {
    let s = row[Int(target)]
    if s.isNaN { return n }
    var above = 0
    let t = Int(target)
    for i in 0..<t where row[i] >= s { above += 1 }       // ties with lower ids rank first
    for i in (t + 1)..<max(t + 1, n) where row[i] > s { above += 1 }
    return above + 1
}
