import XCTest
@testable import GSAU

/// Batches of 64+ users are scored in blocks (the users' vectors, then matrix products over tiles
/// of items): the same items as single queries, scores equal up to float rounding.
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
                try assertBatchMatchesSingleQueries(engine, users: users, filter: filter, k: 6, "\(variant)")
            }
        }
    }

    /// Over 1,024 items the blocked path scores each worker's rows one tile of items at a time
    /// (`scoringTileItems`) and keeps each row's top-K across tiles: still the single queries' lists.
    func testBlockedBatchOverSeveralItemTilesMatchesSingleQueries() throws {
        var rng = TestRandom(seed: 5)
        let lines = (1...500).map { u -> String in
            "\(u) " + (0..<(6 + Int(rng.next() % 6))).map { _ in String(1 + rng.next() % 3000) }.joined(separator: " ")
        }
        let ds = try Dataset.load(path: try TestFiles.temporary(lines.joined(separator: "\n") + "\n", suffix: ".txt"))
        XCTAssertGreaterThan(ds.items.count, 2 * QueryEngine.scoringTileItems)
        var c = ModelConfig(variant: .gsauRec)
        c.useTinyFixtureSizes(); c.seed = 3
        var options = TrainingOptions()
        options.epochs = 1
        let (m, _) = try Trainer(config: c, dataset: ds, options: options).train()
        let engine = try QueryEngine(model: m)
        let users = (1..<Int32(ds.users.count)).map { $0 }                       // two blocks
        XCTAssertGreaterThan(users.count, QueryEngine.scoringBlock)
        for filter in [ItemFilter.none, ItemFilter(excludeSeen: true, excluded: [2, 1500]),
                       ItemFilter(allowed: (1000..<2100).map { Int32($0) })] {
            try assertBatchMatchesSingleQueries(engine, users: users, filter: filter, k: 10, "tiles")
        }
    }

    private func assertBatchMatchesSingleQueries(_ engine: QueryEngine, users: [Int32], filter: ItemFilter, k: Int,
                                                 _ label: String, line: UInt = #line) throws {
        var ids = [Int32](repeating: -1, count: users.count * k), scores = [Float](repeating: .nan, count: users.count * k)
        var counts = [Int32](repeating: -1, count: users.count)
        try users.withUnsafeBufferPointer { ub in
            try engine.recommend(userIndices: ub, count: k, filter: filter, ids: &ids, scores: &scores, counts: &counts)
        }
        for (b, u) in users.enumerated() {
            var one = [Int32](repeating: 0, count: k), oneScores = [Float](repeating: 0, count: k)
            let n = try engine.recommend(userIndex: u, count: k, filter: filter, ids: &one, scores: &oneScores)
            XCTAssertEqual(Int(counts[b]), n, "\(label) user \(u)", line: line)
            XCTAssertEqual(Array(ids[(b * k)..<(b * k + n)]), Array(one.prefix(n)), "\(label) user \(u)", line: line)
            for j in 0..<n { XCTAssertEqual(scores[b * k + j], oneScores[j], accuracy: 1e-5 * max(1, abs(oneScores[j])), line: line) }
        }
    }
}
