/// The popularity baseline: every user gets the same scores, each item's training frequency.
public struct PopularityModel: FullRankingScorer, Sendable {
    /// scores[i] = number of training interactions of item i (0 for padding).
    public let itemScores: [Float]

    public init(dataset: Dataset) {
        itemScores = dataset.trainItemCounts().map(Float.init)
    }

    public var itemCount: Int { itemScores.count }

    public func score(users: UnsafeBufferPointer<Int32>, split: EvaluationSplit, into scores: UnsafeMutablePointer<Float>) {
        itemScores.withUnsafeBufferPointer { src in
            for b in 0..<users.count { (scores + b * itemCount).update(from: src.baseAddress!, count: itemCount) }
        }
    }
}
