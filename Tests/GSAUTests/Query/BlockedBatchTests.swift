import XCTest
@testable import GSAU

/// Batches of 64+ users are scored in blocks (one encoder pass and one matrix product per block):
/// the same items as single queries, scores equal up to float rounding.
final class BlockedBatchTests: XCTestCase {
    func testBlockedBatchMatchesSingleQueries() throws {
        let ds = try Dataset.load(path: TestFiles.fixture("tiny.txt"))
        for variant in [Variant.gsauRec, .directau] {
            var c = ModelConfig(variant: variant)
            c.useTinyFixtureSizes(); c.seed = 7
            var options = TrainingOptions()
            options.epochs = 2
            let (m, _) = try Trainer(config: c, dataset: ds, options: options).train()
            let engine = try QueryEngine(model: m)
            let users = (0..<300).map { Int32(1 + $0 % 24) }      // > one block, every user several times
            XCTAssertGreaterThanOrEqual(users.count, QueryEngine.blockedBatchThreshold)
            for filter in [ItemFilter.none, ItemFilter(excludeSeen: true, excluded: [2, 5])] {
                let k = 6
                var ids = [Int32](repeating: -1, count: users.count * k), scores = [Float](repeating: .nan, count: users.count * k)
                var counts = [Int32](repeating: -1, count: users.count)
                try users.withUnsafeBufferPointer { ub in
                    try engine.recommend(userIndices: ub, count: k, filter: filter, ids: &ids, scores: &scores, counts: &counts)
                }
                for (b, u) in users.enumerated() {
                    var one = [Int32](repeating: 0, count: k), oneScores = [Float](repeating: 0, count: k)
                    let n = try engine.recommend(userIndex: u, count: k, filter: filter, ids: &one, scores: &oneScores)
                    XCTAssertEqual(Int(counts[b]), n, "\(variant) user \(u)")
                    XCTAssertEqual(Array(ids[(b * k)..<(b * k + n)]), Array(one.prefix(n)), "\(variant) user \(u)")
                    for j in 0..<n { XCTAssertEqual(scores[b * k + j], oneScores[j], accuracy: 1e-5 * max(1, abs(oneScores[j]))) }
                }
            }
        }
    }
}
