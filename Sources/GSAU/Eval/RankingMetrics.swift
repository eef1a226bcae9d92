import Glibc

/// Full-ranking metrics with one held-out positive per user (RecBole semantics).
///
/// For a target at 1-based rank r: Recall@K = hit@K = [r ≤ K]; NDCG@K = 1/log2(r + 1) if r ≤ K;
/// MRR@K = 1/r if r ≤ K; Precision@K = hit@K / K. Each is averaged over users. Values are kept
/// unrounded; `rounded(_:)` gives RecBole's 4-decimal report.
public struct RankingMetrics: Sendable, Equatable {
    public let ks: [Int]
    public private(set) var recall: [Double]
    public private(set) var ndcg: [Double]
    public private(set) var mrr: [Double]
    public private(set) var precision: [Double]
    public private(set) var userCount: Int

    public init(ks: [Int]) {
        self.ks = ks
        recall = Array(repeating: 0, count: ks.count)
        ndcg = recall; mrr = recall; precision = recall
        userCount = 0
    }

    /// Finalized metrics as stored (training-state files).
    init(ks: [Int], recall: [Double], ndcg: [Double], mrr: [Double], precision: [Double], userCount: Int) {
        self.ks = ks
        self.recall = recall; self.ndcg = ndcg; self.mrr = mrr; self.precision = precision
        self.userCount = userCount
    }

    /// Accumulates sums from users' target ranks (call `finalize` once all users are in).
    mutating func add(rank: Int) {
        userCount += 1
        for (j, k) in ks.enumerated() where rank <= k {
            recall[j] += 1
            ndcg[j] += 1 / log2(Double(rank + 1))
            mrr[j] += 1 / Double(rank)
            precision[j] += 1 / Double(k)
        }
    }

    mutating func merge(_ other: RankingMetrics) {
        userCount += other.userCount
        for j in 0..<ks.count {
            recall[j] += other.recall[j]; ndcg[j] += other.ndcg[j]
            mrr[j] += other.mrr[j]; precision[j] += other.precision[j]
        }
    }

    mutating func finalize() {
        guard userCount > 0 else { return }
        let n = Double(userCount)
        for j in 0..<ks.count { recall[j] /= n; ndcg[j] /= n; mrr[j] /= n; precision[j] /= n }
    }

    /// Metric by RecBole name, e.g. "recall@10", "ndcg@20", "mrr@5", "precision@1", "hit@10".
    public subscript(name: String) -> Double? {
        let parts = name.lowercased().split(separator: "@")
        guard parts.count == 2, let k = Int(parts[1]), let j = ks.firstIndex(of: k) else { return nil }
        switch parts[0] {
        case "recall", "hit": return recall[j]
        case "ndcg": return ndcg[j]
        case "mrr": return mrr[j]
        case "precision": return precision[j]
        default: return nil
        }
    }

    /// All metrics as (name, value) pairs: recall, mrr, ndcg, precision for each K.
    public var named: [(name: String, value: Double)] {
        var out: [(String, Double)] = []
        for (j, k) in ks.enumerated() {
            out.append(("recall@\(k)", recall[j])); out.append(("mrr@\(k)", mrr[j]))
            out.append(("ndcg@\(k)", ndcg[j])); out.append(("precision@\(k)", precision[j]))
        }
        return out
    }

    /// Rounds a value as RecBole reports it (`metric_decimal_place`, 4 by default).
    public static func rounded(_ v: Double, places: Int = 4) -> Double {
        let scale = pow(10, Double(places))
        return (v * scale).rounded() / scale
    }
}
