import Foundation
import XCTest
@testable import GSAU

/// The query engine: scores, ordering, filters, batch/sequence/similar-item queries, validation,
/// the per-model engine cache and concurrent use of one model.
final class QueryTests: XCTestCase {
    typealias Ranked = [(item: String, score: Float)]

    // Tiny models trained once for the whole class (2 epochs, as TrainerTests).
    nonisolated(unsafe) private static var trained: [Variant: GSAUModel] = [:]

    private func model(_ variant: Variant) throws -> GSAUModel {
        if let m = Self.trained[variant] { return m }
        let ds = try Dataset.load(path: TestFiles.fixture("tiny.txt"))
        var c = ModelConfig(variant: variant)
        c.useTinyFixtureSizes(); c.seed = 7
        var options = TrainingOptions()
        options.epochs = 2
        let (m, _) = try Trainer(config: c, dataset: ds, options: options).train()
        Self.trained[variant] = m
        return m
    }

    private let variants: [Variant] = [.gsauRec, .directau]

    private func users(_ m: GSAUModel) -> [String] { Array(m.dataset.users.tokens.dropFirst()) }
    private func items(_ m: GSAUModel) -> [String] { Array(m.dataset.items.tokens.dropFirst()) }
    private func itemTokens(_ m: GSAUModel, user: String) -> [String] {
        m.dataset.items(ofUser: m.dataset.users.id(of: user)!).map { m.dataset.items.tokens[Int($0)] }
    }

    private func assertSame(_ a: Ranked, _ b: Ranked, _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.map(\.item), b.map(\.item), message, file: file, line: line)
        XCTAssertEqual(a.map(\.score), b.map(\.score), message, file: file, line: line)
    }

    private func assertThrows(_ expression: @autoclosure () throws -> Any, invalidArgument: Bool = false,
                              unknownID: String? = nil, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try expression(), file: file, line: line) { error in
            guard let e = error as? GSAUError else { return XCTFail("not a GSAUError: \(error)", file: file, line: line) }
            switch e {
            case .invalidArgument: XCTAssertTrue(invalidArgument, "\(e)", file: file, line: line)
            case .unknownID(let m):
                XCTAssertNotNil(unknownID, "\(e)", file: file, line: line)
                if let id = unknownID { XCTAssertTrue(m.contains("'\(id)'"), "\(e)", file: file, line: line) }
            default: XCTFail("unexpected \(e)", file: file, line: line)
            }
        }
    }

    // MARK: - Scores

    /// The engine's row equals the network's scoring of the same history (the evaluator's scorer
    /// with all items as history), bit for bit one user at a time and within rounding for blocks.
    func testScoresEqualTheEvaluatorsFullRankingScores() throws {
        for v in variants {
            let m = try model(v)
            let engine = try QueryEngine(model: m), n = m.itemCount
            let all = (1..<Int32(m.dataset.users.count)).map { $0 }
            var block = [Float](repeating: 0, count: all.count * n)
            all.withUnsafeBufferPointer { u in
                block.withUnsafeMutableBufferPointer { FullHistoryScorer(model: m).score(users: u, split: .test, into: $0.baseAddress!) }
            }
            for (b, u) in all.enumerated() {
                var single = [Float](repeating: 0, count: n)
                [u].withUnsafeBufferPointer { ub in
                    single.withUnsafeMutableBufferPointer { FullHistoryScorer(model: m).score(users: ub, split: .test, into: $0.baseAddress!) }
                }
                let row = engine.scores(userIndex: u)
                for i in 1..<n {
                    // Equal up to float rounding: the engine multiplies one row with sgemv, the
                    // evaluator blocks of users with sgemm (another summation order).
                    let ref = block[b * n + i]
                    XCTAssertEqual(row[i], ref, accuracy: 1e-5 * max(1, abs(ref)), "\(v) user \(u) item \(i)")
                    XCTAssertEqual(row[i], single[i], accuracy: 1e-5 * max(1, abs(single[i])), "\(v) user \(u) item \(i)")
                }
                // The returned top list is the head of the row ordered by (score desc, id asc).
                let expected = (1..<n).sorted { row[$0] != row[$1] ? row[$0] > row[$1] : $0 < $1 }.prefix(10)
                let top = try engine.recommend(user: m.dataset.users.tokens[Int(u)], count: 10)
                XCTAssertEqual(top.map(\.item), expected.map { m.dataset.items.tokens[$0] }, "\(v) user \(u)")
                XCTAssertEqual(top.map(\.score), expected.map { row[$0] }, "\(v) user \(u)")
            }
        }
    }

    func testScoresAreNonIncreasingAndCountIsClampedToTheCandidates() throws {
        for v in variants {
            let m = try model(v)
            for user in users(m) {
                let top = try m.recommend(user: user, count: 10_000)
                XCTAssertEqual(top.count, m.dataset.itemCount, "\(v): all real items, no padding")
                XCTAssertEqual(Set(top.map(\.item)).count, top.count)
                XCTAssertFalse(top.contains { $0.item == IDMap.paddingToken })
                XCTAssertTrue(zip(top, top.dropFirst()).allSatisfy { $0.score >= $1.score }, "\(v) \(user)")
                assertSame(Array(top.prefix(7)), try m.recommend(user: user, count: 7))
            }
        }
    }

    func testTheModelsOwnRecommendGoesThroughTheEngine() throws {
        for v in variants {
            let m = try model(v)
            for user in users(m) {
                assertSame(try m.recommend(user: user, count: 5), try try QueryEngine(model: m).recommend(user: user, count: 5))
                assertSame(try m.recommend(user: user, count: 5, filterSeen: true),
                           try try QueryEngine(model: m).recommend(user: user, count: 5, filterSeen: true))
            }
        }
    }

    // MARK: - Filters

    func testFilterSeenRemovesExactlyTheUsersItems() throws {
        for v in variants {
            let m = try model(v)
            for user in users(m) {
                let all = try m.recommend(user: user, count: 10_000)
                let filtered = try m.recommend(user: user, count: 10_000, filterSeen: true)
                let seen = Set(itemTokens(m, user: user))
                XCTAssertEqual(Set(filtered.map(\.item)), Set(items(m)).subtracting(seen), "\(v) \(user)")
                assertSame(filtered, all.filter { !seen.contains($0.item) })
            }
        }
    }

    func testAllowedThenExcludedItems() throws {
        for v in variants {
            let m = try model(v)
            let user = users(m)[3]
            let all = try m.recommend(user: user, count: 10_000)
            let allowed = ["3", "8", "11", "17", "20", "8"]             // a duplicate is harmless
            let onlyAllowed = try m.recommend(user: user, count: 100, allowedItems: allowed)
            assertSame(onlyAllowed, all.filter { allowed.contains($0.item) })
            let both = try m.recommend(user: user, count: 100, allowedItems: allowed, excludedItems: ["8", "17", "1"])
            assertSame(both, all.filter { ["3", "11", "20"].contains($0.item) })
            assertSame(try m.recommend(user: user, count: 2, allowedItems: allowed, excludedItems: ["8"]),
                       Array(all.filter { ["3", "11", "17", "20"].contains($0.item) }.prefix(2)))
            let excluded = try m.recommend(user: user, count: 10_000, excludedItems: ["1", "2"])
            assertSame(excluded, all.filter { $0.item != "1" && $0.item != "2" })
            // Seen + allowed: allowed items the user has seen are removed too.
            let seen = Set(itemTokens(m, user: user))
            assertSame(try m.recommend(user: user, count: 100, filterSeen: true, allowedItems: allowed),
                       all.filter { allowed.contains($0.item) && !seen.contains($0.item) })
            // Everything filtered: an empty result, not an error.
            XCTAssertTrue(try m.recommend(user: user, count: 5, allowedItems: []).isEmpty)
            XCTAssertTrue(try m.recommend(user: user, count: 5, excludedItems: items(m)).isEmpty)
            XCTAssertTrue(try m.recommend(user: user, count: 5, allowedItems: ["3"], excludedItems: ["3"]).isEmpty)
            XCTAssertTrue(try m.recommend(users: [user, user], count: 5, allowedItems: []).allSatisfy(\.isEmpty))
            assertThrows(try m.recommend(user: user, count: 5, allowedItems: ["3", "no-such-item"]), unknownID: "no-such-item")
            assertThrows(try m.recommend(user: user, count: 5, excludedItems: ["[PAD]"]), unknownID: "[PAD]")
        }
    }

    // MARK: - Batch, sequence and similar-item queries

    func testBatchEqualsSingleCalls() throws {
        for v in variants {
            let m = try model(v)
            let list = users(m) + users(m).reversed().prefix(5)
            for filterSeen in [false, true] {
                let batch = try m.recommend(users: list, count: 6, filterSeen: filterSeen, excludedItems: ["2"])
                XCTAssertEqual(batch.count, list.count)
                for (b, user) in list.enumerated() {
                    assertSame(batch[b], try m.recommend(user: user, count: 6, filterSeen: filterSeen, excludedItems: ["2"]), "\(v) \(user)")
                }
            }
            XCTAssertTrue(try m.recommend(users: [], count: 3).isEmpty)
            assertThrows(try m.recommend(users: ["1", "ghost"], count: 3), unknownID: "ghost")
            assertThrows(try m.recommend(users: ["1"], count: 0), invalidArgument: true)
        }
    }

    func testIndexLevelVariantsMatchTheRawIDQueries() throws {
        for v in variants {
            let m = try model(v), e = try QueryEngine(model: m)
            var ids = [Int32](repeating: -1, count: 8 * 4), scores = [Float](repeating: .nan, count: 8 * 4)
            var counts = [Int32](repeating: -1, count: 4)
            let filter = ItemFilter(excludeSeen: true, allowed: nil, excluded: [m.dataset.items.id(of: "3")!])
            let users: [Int32] = [1, 2, 3, 1]
            try users.withUnsafeBufferPointer { u in
                try e.recommend(userIndices: u, count: 8, filter: filter, ids: &ids, scores: &scores, counts: &counts)
            }
            for (b, u) in users.enumerated() {
                let expected = try m.recommend(user: m.dataset.users.tokens[Int(u)], count: 8, filterSeen: true, excludedItems: ["3"])
                XCTAssertEqual(Int(counts[b]), expected.count)
                XCTAssertEqual(ids[(b * 8)..<(b * 8 + expected.count)].map { m.dataset.items.tokens[Int($0)] }, expected.map(\.item))
                XCTAssertEqual(Array(scores[(b * 8)..<(b * 8 + expected.count)]), expected.map(\.score))
                var one = [Int32](repeating: 0, count: 8), oneScores = [Float](repeating: 0, count: 8)
                let n = try e.recommend(userIndex: u, count: 8, filter: filter, ids: &one, scores: &oneScores)
                XCTAssertEqual(Array(one.prefix(n)), Array(ids[(b * 8)..<(b * 8 + n)]))
            }
            var one = [Int32](repeating: 0, count: 8), oneScores = [Float](repeating: 0, count: 8)
            XCTAssertThrowsError(try e.recommend(userIndex: 0, count: 8, filter: .none, ids: &one, scores: &oneScores))
            XCTAssertThrowsError(try e.recommend(userIndex: Int32(m.dataset.users.count), count: 8, filter: .none, ids: &one, scores: &oneScores))
            XCTAssertThrowsError(try e.recommend(userIndex: 1, count: 8, filter: ItemFilter(excluded: [0]), ids: &one, scores: &oneScores))
            XCTAssertThrowsError(try e.recommend(userIndex: 1, count: 8, filter: ItemFilter(allowed: [-3]), ids: &one, scores: &oneScores))
            XCTAssertThrowsError(try e.similarItems(toIndex: Int32(m.dataset.items.count), count: 8, ids: &one, scores: &oneScores))
            let n = try e.similarItems(toIndex: 5, count: 8, ids: &one, scores: &oneScores)
            XCTAssertEqual(Array(one.prefix(n)).map { m.dataset.items.tokens[Int($0)] },
                           try m.similarItems(to: m.dataset.items.tokens[5], count: 8).map(\.item))
            if !m.config.predictWithGraph {
                let seq: [Int32] = [4, 5, 6]
                let k = try seq.withUnsafeBufferPointer { try e.recommend(sequence: $0, count: 8, filter: .none, ids: &one, scores: &oneScores) }
                XCTAssertEqual(Array(one.prefix(k)).map { m.dataset.items.tokens[Int($0)] },
                               try m.recommend(sequence: seq.map { m.dataset.items.tokens[Int($0)] }, count: 8).map(\.item))
                XCTAssertThrowsError(try [4, 0].withUnsafeBufferPointer { try e.recommend(sequence: $0, count: 8, filter: .none, ids: &one, scores: &oneScores) })
            }
        }
    }

    func testSequenceQueryWithTheUsersItemsEqualsTheUserQuery() throws {
        let m = try model(.gsauRec)
        let maxLength = m.config.maxSequenceLength
        var sawLongHistory = false
        for user in users(m) {
            let sequence = itemTokens(m, user: user)
            sawLongHistory = sawLongHistory || sequence.count > maxLength
            assertSame(try m.recommend(sequence: sequence, count: 10), try m.recommend(user: user, count: 10), user)
            assertSame(try m.recommend(sequence: sequence, count: 10, filterSeen: true, excludedItems: ["1"]),
                       try m.recommend(user: user, count: 10, filterSeen: true, excludedItems: ["1"]), user)
            // Only the last maxSequenceLength items are encoded (filterSeen still uses all of them).
            let longer = ["1", "2", "3"] + Array(repeating: "4", count: maxLength) + sequence
            assertSame(try m.recommend(sequence: longer, count: 10), try m.recommend(sequence: Array(longer.suffix(maxLength)), count: 10))
        }
        XCTAssertTrue(sawLongHistory, "the fixture has a history longer than the window")
        let short = try m.recommend(sequence: ["7", "3", "7"], count: 100, filterSeen: true)
        XCTAssertFalse(short.contains { $0.item == "7" || $0.item == "3" })
        XCTAssertEqual(short.count, m.dataset.itemCount - 2)
        assertThrows(try m.recommend(sequence: [], count: 5), invalidArgument: true)
        assertThrows(try m.recommend(sequence: ["1", "nope"], count: 5), unknownID: "nope")
        assertThrows(try m.recommend(sequence: ["1"], count: 0), invalidArgument: true)
    }

    func testGraphModelsRefuseSequenceQueries() throws {
        let m = try model(.directau)
        XCTAssertTrue(try QueryEngine(model: m).predictsWithGraph)
        XCTAssertThrowsError(try m.recommend(sequence: ["1", "2"], count: 5)) { error in
            guard case GSAUError.invalidArgument(let message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("known users only"), message)
        }
    }

    func testSimilarItems() throws {
        for v in variants {
            let m = try model(v), e = try QueryEngine(model: m)
            let d = m.config.embeddingSize
            // The vectors compared: raw item table (sequential) or item layer-mean rows (graph).
            let table: [Float] = e.predictsWithGraph ? e.itemVectors()
                                                     : Array(m.parameters[m.layout.itemTable..<(m.layout.itemTable + m.itemCount * d)])
            func cosine(_ a: Int, _ b: Int) -> Double {
                var dot = 0.0, na = 0.0, nb = 0.0
                for j in 0..<d {
                    let x = Double(table[a * d + j]), y = Double(table[b * d + j])
                    dot += x * y; na += x * x; nb += y * y
                }
                return dot / (na.squareRoot() * nb.squareRoot())
            }
            for item in items(m) {
                let i = Int(m.dataset.items.id(of: item)!)
                let similar = try m.similarItems(to: item, count: 10_000)
                XCTAssertEqual(similar.count, m.dataset.itemCount - 1, "self and padding excluded")
                XCTAssertFalse(similar.contains { $0.item == item || $0.item == IDMap.paddingToken })
                XCTAssertTrue(similar.allSatisfy { $0.score >= -1 && $0.score <= 1 })
                XCTAssertTrue(zip(similar, similar.dropFirst()).allSatisfy { $0.score >= $1.score })
                let best = (1..<m.itemCount).filter { $0 != i }.map { cosine(i, $0) }.max()!
                XCTAssertEqual(Double(similar[0].score), best, accuracy: 1e-5, "\(v) \(item)")
                for s in similar.prefix(3) {
                    XCTAssertEqual(Double(s.score), cosine(i, Int(m.dataset.items.id(of: s.item)!)), accuracy: 1e-5)
                }
                assertSame(try m.similarItems(to: item, count: 3), Array(similar.prefix(3)))
            }
            assertThrows(try m.similarItems(to: "unknown-item", count: 3), unknownID: "unknown-item")
            assertThrows(try m.similarItems(to: "1", count: 0), invalidArgument: true)
        }
    }

    // MARK: - Validation

    func testUnknownIDsAndBadCountsRaise() throws {
        for v in variants {
            let m = try model(v)
            assertThrows(try m.recommend(user: "nobody", count: 5), unknownID: "nobody")
            assertThrows(try m.recommend(user: "[PAD]", count: 5), unknownID: "[PAD]")
            assertThrows(try m.recommend(user: "nobody", count: 5, filterSeen: true, allowedItems: ["1"]), unknownID: "nobody")
            assertThrows(try m.recommend(user: "1", count: 0), invalidArgument: true)
            assertThrows(try m.recommend(user: "1", count: -3), invalidArgument: true)
            assertThrows(try m.recommend(user: "1", count: 0, filterSeen: true), invalidArgument: true)
            XCTAssertThrowsError(try m.recommend(user: "nobody", count: 5)) { XCTAssertTrue("\($0)".contains("user 'nobody'"), "\($0)") }
        }
    }

    // MARK: - Engine cache and workspaces

    func testAnEngineScoresTheParametersItWasBuiltFrom() throws {
        let trained = try model(.directau)
        var m = trained                                         // a value: changing it leaves `trained` alone
        let first = try QueryEngine(model: m)
        let before = try first.recommend(user: "1", count: 5)
        assertSame(before, try trained.recommend(user: "1", count: 5))
        m.parameters = m.parameters.map { -$0 }                // U_g·I_gᵀ is even in the parameters...
        m.parameters[m.layout.itemTable + 8] += 1              // ...so also change one item row
        let second = try QueryEngine(model: m)
        assertSame(try first.recommend(user: "1", count: 5), before)      // the first engine is a snapshot
        var row = [Float](repeating: 0, count: m.itemCount)
        [Int32(1)].withUnsafeBufferPointer { u in
            row.withUnsafeMutableBufferPointer { FullHistoryScorer(model: m).score(users: u, split: .test, into: $0.baseAddress!) }
        }
        for (a, b) in zip(second.scores(userIndex: 1), row).dropFirst() { XCTAssertEqual(a, b, accuracy: 1e-5 * max(1, abs(b))) }
        XCTAssertNotEqual(try second.recommend(user: "1", count: 5).map(\.score), before.map(\.score))
    }

    func testWorkspacePoolKeepsAtMostItsLimitAndPerCallWorkspacesGiveTheSameResults() throws {
        let m = try model(.gsauRec)
        let pooled = try QueryEngine(model: m, poolLimit: 2), fresh = try QueryEngine(model: m, poolLimit: 0)
        for user in users(m) {
            assertSame(try pooled.recommend(user: user, count: 5), try fresh.recommend(user: user, count: 5))
        }
        XCTAssertEqual(pooled.pool.idleCount, 1)
        XCTAssertEqual(fresh.pool.idleCount, 0)
        _ = try pooled.recommend(users: users(m), count: 5)
        XCTAssertLessThanOrEqual(pooled.pool.idleCount, 2)
    }

    // MARK: - Concurrency

    /// 8 threads × 50 mixed queries on one model give exactly the single-threaded results; the
    /// threads also race to build the engine of a model that has none yet.
    func testConcurrentQueriesOnOneModelMatchSingleThreadedResults() throws {
        for v in variants {
            let trained = try model(v)
            let m = GSAUModel(config: trained.config, dataset: trained.dataset, layout: trained.layout,
                              parameters: trained.parameters)   // no engine yet
            let us = users(m), its = items(m), sequential = !m.config.predictWithGraph
            // Query q of the mix (deterministic in q).
            let query: @Sendable (Int) throws -> [Ranked] = { q in
                let user = us[q % us.count], item = its[(q * 7) % its.count]
                switch q % 6 {
                case 0: return [try m.recommend(user: user, count: 10)]
                case 1: return [try m.recommend(user: user, count: 8, filterSeen: true, excludedItems: [item])]
                case 2: return [try m.similarItems(to: item, count: 6)]
                case 3: return try m.recommend(users: [user, us[(q + 3) % us.count]], count: 5, filterSeen: q % 4 == 0)
                case 4: return sequential ? [try m.recommend(sequence: Array(its[(q % 5)..<(q % 5 + 3 + q % 9)]), count: 7)]
                                          : [try m.recommend(user: user, count: 9, allowedItems: Array(its.prefix(12)))]
                default: return [try m.recommend(user: user, count: 1_000, filterSeen: q % 2 == 0)]
                }
            }
            let threads = 8, perThread = 50
            let results = ResultBox(count: threads * perThread)
            let group = DispatchGroup()
            for t in 0..<threads {
                group.enter()
                let thread = Thread {
                    for k in 0..<perThread {
                        let q = t * perThread + k
                        results.set(q, Result { try query(q) })
                    }
                    group.leave()
                }
                thread.stackSize = 4 << 20
                thread.start()
            }
            XCTAssertEqual(group.wait(timeout: .now() + 300), .success)
            let reference = GSAUModel(config: trained.config, dataset: trained.dataset, layout: trained.layout,
                                      parameters: trained.parameters)
            for q in 0..<(threads * perThread) {
                let expected = try { () throws -> [Ranked] in
                    // Single-threaded, through a separate model's engine.
                    let user = us[q % us.count], item = its[(q * 7) % its.count]
                    switch q % 6 {
                    case 0: return [try reference.recommend(user: user, count: 10)]
                    case 1: return [try reference.recommend(user: user, count: 8, filterSeen: true, excludedItems: [item])]
                    case 2: return [try reference.similarItems(to: item, count: 6)]
                    case 3: return [user, us[(q + 3) % us.count]].map { try! reference.recommend(user: $0, count: 5, filterSeen: q % 4 == 0) }
                    case 4: return sequential ? [try reference.recommend(sequence: Array(its[(q % 5)..<(q % 5 + 3 + q % 9)]), count: 7)]
                                              : [try reference.recommend(user: user, count: 9, allowedItems: Array(its.prefix(12)))]
                    default: return [try reference.recommend(user: user, count: 1_000, filterSeen: q % 2 == 0)]
                    }
                }()
                guard let got = try results.get(q)?.get() else { XCTFail("query \(q) did not run"); continue }
                XCTAssertEqual(got.count, expected.count, "\(v) query \(q)")
                for (a, b) in zip(got, expected) { assertSame(a, b, "\(v) query \(q)") }
            }
        }
    }

    // MARK: - Latency (opt-in: GSAU_QUERY_BENCH=1)

    /// p50/p99 of single-user top-10 queries at Beauty shapes (22 363 users, 12 101 items, d = 64,
    /// max length 50, 2 + 2 layers) with initialised (untrained) parameters: latency does not
    /// depend on the values.
    func testLatencyAtBeautyShapes() throws {
        guard ProcessInfo.processInfo.environment["GSAU_QUERY_BENCH"] == "1" else {
            throw XCTSkip("set GSAU_QUERY_BENCH=1 to measure query latency")
        }
        let ds = try Dataset.load(path: TestFiles.data("beauty.txt"))
        let clock = ContinuousClock()
        func microseconds(_ d: Duration) -> Double { Double(d.components.seconds) * 1e6 + Double(d.components.attoseconds) * 1e-12 }
        func report(_ label: String, _ samples: [Double]) {
            let s = samples.sorted()
            let p = { (q: Double) in s[min(s.count - 1, Int(q * Double(s.count)))] }
            print("\(label): n=\(s.count) p50=\(Int(p(0.5))) µs p90=\(Int(p(0.9))) µs p99=\(Int(p(0.99))) µs")
        }
        for variant in [Variant.gsauRec, .directau] {
            let config = ModelConfig(variant: variant)
            let layout = ParameterLayout(config: config, userCount: ds.users.count, itemCount: ds.items.count)
            var parameters = [Float](repeating: 0, count: layout.count)
            var rng = RandomGenerator(seed: 1)
            parameters.withUnsafeMutableBufferPointer { layout.initialize($0.baseAddress!, rng: &rng) }
            let m = GSAUModel(config: config, dataset: ds, layout: layout, parameters: parameters)
            let start = clock.now
            let engines = [("pool", try QueryEngine(model: m)), ("per-call", try QueryEngine(model: m, poolLimit: 0))]
            print("\(variant.rawValue): two engines built in \(Int(microseconds(clock.now - start) / 1000)) ms")
            var generator = RandomGenerator(seed: 3)
            let users = (0..<2000).map { _ in ds.users.tokens[1 + Int(generator.next() % UInt64(ds.userCount))] }
            for user in users.prefix(100) { for (_, e) in engines { _ = try e.recommend(user: user, count: 10) } }  // warm up
            // The two engines alternate query by query, so load changes hit both alike.
            var samples = [[Double]](repeating: [], count: engines.count)
            var filtered = [[Double]](repeating: [], count: engines.count)
            for (q, user) in users.enumerated() {
                for (k, (_, engine)) in engines.enumerated() {
                    let t0 = clock.now
                    _ = try engine.recommend(user: user, count: 10, filterSeen: q % 2 == 1)
                    if q % 2 == 0 { samples[k].append(microseconds(clock.now - t0)) } else { filtered[k].append(microseconds(clock.now - t0)) }
                }
            }
            for (k, (label, _)) in engines.enumerated() {
                report("\(variant.rawValue) single-user top-10 (\(label))", samples[k])
                report("\(variant.rawValue) single-user top-10 filterSeen (\(label))", filtered[k])
            }
            var similar: [Double] = []
            for q in 0..<500 {
                let t0 = clock.now
                _ = try engines[0].1.similarItems(to: ds.items.tokens[1 + (q * 7919) % ds.itemCount], count: 10)
                similar.append(microseconds(clock.now - t0))
            }
            report("\(variant.rawValue) similar items top-10", similar)
            let t0 = clock.now
            _ = try engines[0].1.recommend(users: users, count: 10)
            print("\(variant.rawValue) batch of \(users.count) users: \(Int(microseconds(clock.now - t0) / Double(users.count))) µs/user")
        }
    }
}

/// Per-query results written by the worker threads (each slot by one thread, read after join).
private final class ResultBox: @unchecked Sendable {
    private var slots: [Result<[QueryTests.Ranked], Error>?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<[QueryTests.Ranked], Error>) { lock.lock(); slots[i] = r; lock.unlock() }
    func get(_ i: Int) -> Result<[QueryTests.Ranked], Error>? { lock.lock(); defer { lock.unlock() }; return slots[i] }
}
