import XCTest
import Dispatch
@testable import GSAU

/// The engine keeps each known user's vector after its first computation (`UserVectorCache`):
/// queries answered from a cached vector, from a fresh computation, from an engine without a
/// cache and from the batch path all score with the same vector bits.
final class UserVectorCacheTests: XCTestCase {
    private func top(_ engine: QueryEngine, _ u: Int32, _ filter: ItemFilter = .none, k: Int = 6) throws -> (ids: [Int32], bits: [UInt32]) {
        var ids = [Int32](repeating: -1, count: k), scores = [Float](repeating: .nan, count: k)
        let n = try engine.recommend(userIndex: u, count: k, filter: filter, ids: &ids, scores: &scores)
        return (Array(ids.prefix(n)), scores.prefix(n).map(\.bitPattern))
    }

    private func engineWithoutCache(_ model: GSAUModel) throws -> QueryEngine {
        let cacheBytes = UserVectorCache.bytes(users: model.dataset.users.count, width: try Scorer(model: model).width)
        let previous = try MemoryLimit.set(QueryEngine.engineMemoryEstimate(model: model) + cacheBytes - 1)
        defer { _ = try? MemoryLimit.set(previous) }
        return try QueryEngine(model: model)
    }

    func testCachedQueriesEqualFreshOnesBitForBit() throws {
        let model = try trainTinyGSAURec()
        let cached = try QueryEngine(model: model), uncached = try engineWithoutCache(model)
        XCTAssertNotNil(cached.userVectorCache)
        XCTAssertNil(uncached.userVectorCache, "a memory limit without room for the cache leaves it out")
        let users = (1..<Int32(model.dataset.users.count)).map { $0 }
        XCTAssertEqual(cached.userVectorCache?.readyCount, 0)
        for filter in [ItemFilter.none, ItemFilter(excludeSeen: true, excluded: [3])] {
            for u in users {
                let reference = try top(uncached, u, filter)
                let first = try top(cached, u, filter), again = try top(cached, u, filter)
                XCTAssertFalse(reference.ids.isEmpty)
                XCTAssertEqual(first.ids, reference.ids, "user \(u)"); XCTAssertEqual(first.bits, reference.bits, "user \(u)")
                XCTAssertEqual(again.ids, reference.ids, "user \(u)"); XCTAssertEqual(again.bits, reference.bits, "user \(u)")
            }
        }
        XCTAssertEqual(cached.userVectorCache?.readyCount, users.count, "every queried user's vector is kept")
        // The exported vectors are the cached rows and the fresh computation alike.
        XCTAssertEqual(cached.userVectors().map(\.bitPattern), uncached.userVectors().map(\.bitPattern))
    }

    func testBatchPathFillsTheCacheWithSingleQueryVectors() throws {
        let model = try trainTinyGSAURec()
        let engine = try QueryEngine(model: model), reference = try engineWithoutCache(model)
        let users = (0..<200).map { Int32(1 + $0 % (model.dataset.users.count - 1)) }
        XCTAssertGreaterThanOrEqual(users.count, QueryEngine.blockedBatchThreshold)
        let k = 6
        var ids = [Int32](repeating: -1, count: users.count * k), scores = [Float](repeating: .nan, count: users.count * k)
        var counts = [Int32](repeating: -1, count: users.count)
        try users.withUnsafeBufferPointer { try engine.recommend(userIndices: $0, count: k, filter: .none, ids: &ids, scores: &scores, counts: &counts) }
        XCTAssertEqual(engine.userVectorCache?.readyCount, Set(users).count)
        let d = engine.scorer.width
        var row = [Float](repeating: 0, count: d), fresh = [Float](repeating: 0, count: d)
        for u in Set(users) {
            try engine.userVector(userIndex: u, into: &row)
            try reference.userVector(userIndex: u, into: &fresh)
            XCTAssertEqual(row.map(\.bitPattern), fresh.map(\.bitPattern), "user \(u)")
        }
        // A second batch (every vector cached now) gives the same bits as the first.
        var again = [Float](repeating: .nan, count: users.count * k), againIds = [Int32](repeating: -1, count: users.count * k)
        try users.withUnsafeBufferPointer { try engine.recommend(userIndices: $0, count: k, filter: .none, ids: &againIds, scores: &again, counts: &counts) }
        XCTAssertEqual(againIds, ids)
        XCTAssertEqual(again.map(\.bitPattern), scores.map(\.bitPattern))
    }

    func testConcurrentFirstQueriesAgree() throws {
        let model = try trainTinyGSAURec()
        let reference = try engineWithoutCache(model)
        let userCount = model.dataset.users.count - 1
        let expected = try (1...userCount).map { try top(reference, Int32($0)) }
        for _ in 0..<3 {
            let engine = try QueryEngine(model: model)     // every vector still to compute
            let mismatches = Lock<[Int]>([])
            DispatchQueue.concurrentPerform(iterations: 8 * userCount) { i in
                let u = 1 + (i * 7) % userCount
                guard let got = try? self.top(engine, Int32(u)), got.ids == expected[u - 1].ids, got.bits == expected[u - 1].bits else {
                    mismatches.withLock { $0.append(u) }
                    return
                }
            }
            XCTAssertEqual(mismatches.withLock { $0 }, [])
            XCTAssertEqual(engine.userVectorCache?.readyCount, userCount)
        }
    }

    func testGraphScoredModelsKeepNoCache() throws {
        let ds = try Dataset.load(path: TestFiles.fixture("tiny.txt"))
        var c = ModelConfig(variant: .directau)
        c.useTinyFixtureSizes()
        var options = TrainingOptions()
        options.epochs = 1
        let (m, _) = try Trainer(config: c, dataset: ds, options: options).train()
        XCTAssertNil(try QueryEngine(model: m).userVectorCache, "graph-scored users are rows of the scorer's table already")
    }
}
