import XCTest
import Dispatch
@testable import GSAU

/// The engine keeps each known user's vector after its first single-user computation
/// (`UserVectorCache`): queries answered from a cached vector, from a fresh computation and from an
/// engine without a cache score with the same vector bits. The batch path uses cached vectors and
/// encodes the other users of a block together (the batched encoder pass, rounding differently),
/// never caching those: a batch's last bits depend on which of its users were cached, within the
/// 1e-5 tolerance the batch-versus-single tests use, as they depended on block composition before.
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

    private func batch(_ engine: QueryEngine, _ users: [Int32], k: Int, filter: ItemFilter = .none) throws -> (ids: [Int32], bits: [UInt32], counts: [Int32]) {
        var ids = [Int32](repeating: -1, count: users.count * k), scores = [Float](repeating: .nan, count: users.count * k)
        var counts = [Int32](repeating: -1, count: users.count)
        try users.withUnsafeBufferPointer { try engine.recommend(userIndices: $0, count: k, filter: filter, ids: &ids, scores: &scores, counts: &counts) }
        return (ids, scores.map(\.bitPattern), counts)
    }

    /// The batched encoder pass over `users` together (`Scorer.userVectors`, the call the blocked
    /// path made for every block before the cache), [users.count, width].
    private func batchedEncoderRows(_ engine: QueryEngine, _ users: [Int32]) -> [UInt32] {
        var rows = [Float](repeating: .nan, count: users.count * engine.scorer.width)
        users.withUnsafeBufferPointer { u in
            rows.withUnsafeMutableBufferPointer { out in
                engine.scorer.userVectors(users: u, history: { engine.dataset.items(ofUser: $0) },
                                          workspace: engine.scorer.makeWorkspace(), into: out.baseAddress!)
            }
        }
        return rows.map(\.bitPattern)
    }

    private func blockRows(_ engine: QueryEngine, _ users: [Int32]) -> [UInt32] {
        var rows = [Float](repeating: .nan, count: users.count * engine.scorer.width)
        users.withUnsafeBufferPointer { u in rows.withUnsafeMutableBufferPointer { engine.blockUserVectors(users: u, into: $0.baseAddress!) } }
        return rows.map(\.bitPattern)
    }

    /// A fresh engine's batch encodes each block's users together, as the batch path did before
    /// the cache (the same call on the same block), and keeps none of those vectors: its results
    /// are the bits of an engine without a cache, and the cache stays empty.
    func testFreshEngineBatchEqualsTheUncachedBatchBitForBit() throws {
        let model = try trainTinyGSAURec()
        let users = (0..<300).map { Int32(1 + ($0 * 7) % (model.dataset.users.count - 1)) }   // two blocks, repeats
        XCTAssertGreaterThan(users.count, QueryEngine.scoringBlock)
        let reference = try engineWithoutCache(model)
        for filter in [ItemFilter.none, ItemFilter(excludeSeen: true, excluded: [3])] {
            let engine = try QueryEngine(model: model)
            let got = try batch(engine, users, k: 6, filter: filter), want = try batch(reference, users, k: 6, filter: filter)
            XCTAssertEqual(got.ids, want.ids); XCTAssertEqual(got.bits, want.bits); XCTAssertEqual(got.counts, want.counts)
            XCTAssertEqual(engine.userVectorCache?.readyCount, 0, "batched rows are not single-path bits: never cached")
        }
        // A block without cached users gets exactly the batched encoder pass over the whole block.
        let engine = try QueryEngine(model: model), block = Array(users.prefix(QueryEngine.scoringBlock))
        XCTAssertEqual(blockRows(engine, block), batchedEncoderRows(engine, block))
    }

    /// Users cached by single queries keep their single-path vectors inside a batch; the others are
    /// encoded together. The results are the single queries' up to rounding, and the batch caches
    /// nothing more.
    func testBatchMixingCachedAndUncachedUsers() throws {
        let model = try trainTinyGSAURec()
        let engine = try QueryEngine(model: model), d = engine.scorer.width
        let known = Int32(model.dataset.users.count - 1)
        let users = (0..<200).map { Int32(1 + ($0 * 5) % Int(known)) }
        let cachedUsers = Set((1...known).filter { $0 % 3 == 0 })
        for u in cachedUsers.sorted() { _ = try top(engine, u) }
        XCTAssertEqual(engine.userVectorCache?.readyCount, cachedUsers.count)
        XCTAssertTrue(users.contains { cachedUsers.contains($0) } && users.contains { !cachedUsers.contains($0) })

        // The block's vectors: cached rows as they are, the others from one pass over them, in order.
        let block = Array(users.prefix(QueryEngine.scoringBlock)), rows = blockRows(engine, block)
        let uncached = block.filter { !cachedUsers.contains($0) }, encoded = batchedEncoderRows(engine, uncached)
        var next = 0
        var single = [Float](repeating: 0, count: d)
        for (r, u) in block.enumerated() {
            let row = Array(rows[(r * d)..<((r + 1) * d)])
            if cachedUsers.contains(u) {
                try engine.userVector(userIndex: u, into: &single)
                XCTAssertEqual(row, single.map(\.bitPattern), "cached user \(u)")
            } else {
                XCTAssertEqual(row, Array(encoded[(next * d)..<((next + 1) * d)]), "uncached user \(u)")
                next += 1
            }
        }

        let k = 6, filters = [ItemFilter.none, ItemFilter(excludeSeen: true, excluded: [3])]
        let batches = try filters.map { try batch(engine, users, k: k, filter: $0) }
        XCTAssertEqual(engine.userVectorCache?.readyCount, cachedUsers.count, "the batches cache nothing")
        for (filter, got) in zip(filters, batches) {
            for (b, u) in users.enumerated() {
                // One more entry than the batch row, to tell a near-tie at the cut.
                var ids = [Int32](repeating: -1, count: k + 1), scores = [Float](repeating: .nan, count: k + 1)
                let n = try engine.recommend(userIndex: u, count: k + 1, filter: filter, ids: &ids, scores: &scores)
                XCTAssertEqual(Int(got.counts[b]), min(n, k), "user \(u)")
                for j in 0..<Int(got.counts[b]) {
                    let score = Float(bitPattern: got.bits[b * k + j]), tolerance = 1e-5 * max(1, abs(scores[j]))
                    XCTAssertEqual(score, scores[j], accuracy: tolerance, "user \(u) rank \(j)")
                    let nearTie = (j > 0 && abs(scores[j - 1] - scores[j]) <= 2 * tolerance)
                        || (j + 1 < n && abs(scores[j + 1] - scores[j]) <= 2 * tolerance)
                    if !nearTie { XCTAssertEqual(got.ids[b * k + j], ids[j], "user \(u) rank \(j)") }
                }
            }
        }
        // Cached users' rows are exactly what a batch of cached users only gives.
        let onlyCached = users.filter { cachedUsers.contains($0) }
        let alone = blockRows(engine, onlyCached)
        for (r, u) in onlyCached.enumerated() {
            try engine.userVector(userIndex: u, into: &single)
            XCTAssertEqual(Array(alone[(r * d)..<((r + 1) * d)]), single.map(\.bitPattern), "user \(u)")
        }
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
