import XCTest
@testable import GSAU

/// A scorer that returns fixed rows (tests only): row of user u = rows[u].
struct FixedScorer: FullRankingScorer {
    let rows: [Int32: [Float]]
    let itemCount: Int
    func score(users: UnsafeBufferPointer<Int32>, split: EvaluationSplit, into scores: UnsafeMutablePointer<Float>) {
        for (b, u) in users.enumerated() { for i in 0..<itemCount { scores[b * itemCount + i] = rows[u]![i] } }
    }
}

final class EvaluatorTests: XCTestCase {
    func testMetricsKnownAnswers() {
        var m = RankingMetrics(ks: [1, 3, 10])
        for r in [1, 2, 5] { m.add(rank: r) }
        m.finalize()
        XCTAssertEqual(m["recall@1"]!, 1.0 / 3, accuracy: 1e-15)
        XCTAssertEqual(m["recall@3"]!, 2.0 / 3, accuracy: 1e-15)
        XCTAssertEqual(m["hit@10"]!, 1, accuracy: 1e-15)
        XCTAssertEqual(m["ndcg@3"]!, (1 + 1 / log2(3.0)) / 3, accuracy: 1e-15)
        XCTAssertEqual(m["ndcg@10"]!, (1 + 1 / log2(3.0) + 1 / log2(6.0)) / 3, accuracy: 1e-15)
        XCTAssertEqual(m["mrr@10"]!, (1 + 0.5 + 0.2) / 3, accuracy: 1e-15)
        XCTAssertEqual(m["precision@3"]!, (2.0 / 3) / 3, accuracy: 1e-15)
        XCTAssertEqual(m["precision@1"]!, 1.0 / 3, accuracy: 1e-15)
        XCTAssertNil(m["recall@7"]); XCTAssertNil(m["auc@1"])
        XCTAssertEqual(RankingMetrics.rounded(0.123456), 0.1235)
    }

    func testTargetRankTiesAndNaN() {
        let row: [Float] = [-.infinity, 0.5, 0.9, 0.5, 0.1, 0.5]
        row.withUnsafeBufferPointer { p in
            XCTAssertEqual(targetRank(row: p.baseAddress!, count: 6, target: 2), 1)
            XCTAssertEqual(targetRank(row: p.baseAddress!, count: 6, target: 1), 2)   // tie: lower id first
            XCTAssertEqual(targetRank(row: p.baseAddress!, count: 6, target: 3), 3)
            XCTAssertEqual(targetRank(row: p.baseAddress!, count: 6, target: 5), 4)
            XCTAssertEqual(targetRank(row: p.baseAddress!, count: 6, target: 4), 5)
        }
        // The rank equals the target's position in topK's order.
        row.withUnsafeBufferPointer { p in
            let order = topK(scores: p, k: 5).map(\.id)
            XCTAssertEqual(order, [2, 1, 3, 5, 4])
        }
        let nanRow: [Float] = [0, .nan, 1, 2]
        nanRow.withUnsafeBufferPointer { XCTAssertEqual(targetRank(row: $0.baseAddress!, count: 4, target: 1), 4) }
    }

    func testAHugeKReturnsEveryItemWithoutReservingK() {
        let scores: [Float] = [0, 0.3, 0.9, 0.1]
        scores.withUnsafeBufferPointer { p in
            XCTAssertEqual(topK(scores: p, k: Int.max).map(\.id), [2, 1, 3])      // was a trap: capacity Int.max
        }
    }

    func testTopKIsPartialSelectionWithExclusions() {
        var rng = TestRandom(seed: 7)
        let scores = (0..<1000).map { _ in Float(rng.uniform()) }
        let expected = (1..<1000).filter { $0 % 3 != 0 }.sorted { scores[$0] > scores[$1] }.prefix(17).map { Int32($0) }
        scores.withUnsafeBufferPointer { p in
            let got = topK(scores: p, k: 17, excluded: { $0 % 3 == 0 })
            XCTAssertEqual(got.map(\.id), expected)
            XCTAssertEqual(got.map(\.score), expected.map { scores[Int($0)] })
            XCTAssertEqual(topK(scores: p, k: 0).count, 0)
            XCTAssertEqual(topK(scores: p, k: 5000).count, 999)   // padding never returned
        }
    }

    /// The scan (blocks of 32 tested by vector compares) against a full sort by (score desc, id
    /// asc): many exact ties (scores on a coarse grid), NaN, infinities, exclusions, K from 1 to past
    /// the row, rows around and between block boundaries; whole rows and rows in pieces.
    func testTopKMatchesAFullSortWithTiesAndNaN() {
        var rng = TestRandom(seed: 21)
        for n in [2, 9, 17, 32, 33, 64, 65, 100, 1001, 4099] {
            var scores = (0..<n).map { _ in Float((rng.uniform() * 8).rounded()) }
            scores[n / 2] = .nan
            if n > 9 { scores[3] = .infinity; scores[7] = -.infinity; scores[n - 1] = .nan }
            for k in [1, 3, 10, n + 5] {
                for excludeEvery in [0, 4] {
                    let excluded: (Int32) -> Bool = { excludeEvery > 0 && $0 % Int32(excludeEvery) == 1 }
                    let candidates: [Int] = (1..<n).filter { (i: Int) -> Bool in !scores[i].isNaN && !excluded(Int32(i)) }
                    let sorted: [Int] = candidates.sorted { (a: Int, b: Int) -> Bool in
                        scores[a] != scores[b] ? scores[a] > scores[b] : a < b
                    }
                    let expected: [Int32] = sorted.prefix(k).map { Int32($0) }
                    let got = scores.withUnsafeBufferPointer { topK(scores: $0, k: k, excluded: excluded) }
                    XCTAssertEqual(got.map(\.id), expected, "n \(n) k \(k) exclude \(excludeEvery)")
                    // The same row handed to `TopKScan` in pieces (the blocked batch path's tiles).
                    for piece in [1, 7, 32, 100] {
                        var scan = TopKScan(k: min(k, n - 1))
                        scores.withUnsafeBufferPointer { p in
                            var first = 0
                            while first < n {
                                let end = min(n, first + piece)
                                scan.offer(p.baseAddress! + first, items: first..<end, excluded: excluded)
                                first = end
                            }
                        }
                        let pieces = scan.drain()
                        XCTAssertEqual(pieces.map(\.id), expected, "n \(n) k \(k) exclude \(excludeEvery) piece \(piece)")
                        XCTAssertEqual(pieces.map(\.score.bitPattern), got.map(\.score.bitPattern))
                    }
                }
            }
        }
    }

    /// Three users with 5 items each over 6 item ids; hand-computed ranks in both masking modes.
    func testBothMaskingModes() throws {
        let ds = try Dataset.load(path: try TestFiles.temporary("u1 1 2 3 4 5\nu2 5 4 3 2 1\nu3 1 3 5 2 4\n", suffix: ".txt"))
        // Same scores for every user: item 1 > 2 > 3 > 4 > 5 (ids map to tokens 1..5 by first appearance).
        let row: [Float] = [100, 5, 4, 3, 2, 1]
        let scorer = FixedScorer(rows: [1: row, 2: row, 3: row], itemCount: 6)
        let e = Evaluator(dataset: ds, blockSize: 2)
        // No masking, validation targets: u1 -> 4 (rank 4), u2 -> 2 (rank 2), u3 -> 2 (rank 2).
        let v = try e.evaluate(scorer, split: .validation, masking: .none, ks: [1, 2, 5])
        XCTAssertEqual(v["recall@2"]!, 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(v["mrr@5"]!, (0.25 + 0.5 + 0.5) / 3, accuracy: 1e-12)
        // History masking, validation: u1 masks 1,2,3 -> 4 is rank 1; u2 masks 5,4,3 -> 2 rank 2 (behind 1);
        // u3 masks 1,3,5 -> 2 rank 1.
        let vm = try e.evaluate(scorer, split: .validation, masking: .history, ks: [1, 2, 5])
        XCTAssertEqual(vm["recall@1"]!, 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(vm["mrr@5"]!, (1 + 0.5 + 1) / 3, accuracy: 1e-12)
        // History masking, test: u1 masks 1..4 -> 5 rank 1; u2 masks 5,4,3,2 -> 1 rank 1; u3 masks 1,3,5,2 -> 4 rank 1.
        let tm = try e.evaluate(scorer, split: .test, masking: .history, ks: [1])
        XCTAssertEqual(tm["recall@1"]!, 1, accuracy: 1e-12)
        // No masking, test: u1 -> 5 rank 5; u2 -> 1 rank 1; u3 -> 4 rank 4.
        let t = try e.evaluate(scorer, split: .test, masking: .none, ks: [1, 4])
        XCTAssertEqual(t["recall@4"]!, 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(t["ndcg@4"]!, (1 + 1 / log2(5.0)) / 3, accuracy: 1e-12)
        // Restricting to users, and rejecting bad users or K.
        XCTAssertEqual(try e.evaluate(scorer, split: .test, masking: .none, ks: [1], users: [2])["recall@1"]!, 1)
        XCTAssertThrowsError(try e.evaluate(scorer, split: .test, masking: .none, ks: [1], users: [9]))
        XCTAssertThrowsError(try e.evaluate(scorer, split: .test, masking: .none, ks: [0]))
    }

    func testTargetIsNeverMaskedEvenIfSeenBefore() throws {
        let ds = try Dataset.load(path: try TestFiles.temporary("u 1 2 1 3 1\n", suffix: ".txt"))
        // history at test = 1,2,1,3; target = 1 -> item 1 stays, 2 and 3 are masked.
        let scorer = FixedScorer(rows: [1: [0, 1, 3, 2]], itemCount: 4)
        let m = try Evaluator(dataset: ds).evaluate(scorer, split: .test, masking: .history, ks: [1])
        XCTAssertEqual(m["recall@1"]!, 1)
        let unmasked = try Evaluator(dataset: ds).evaluate(scorer, split: .test, masking: .none, ks: [1, 3])
        XCTAssertEqual(unmasked["mrr@3"]!, 1.0 / 3, accuracy: 1e-12)
    }

    /// The parity fixtures record the reference evaluator's ranks and metrics at initialisation.
    func testReferenceMetricsFromRecordedRanks() throws {
        for name in ["gsau_rec_step", "gsau_align_step", "sasrec_u_step", "directau_step"] {
            let eval = try TestFiles.fixtureJSON("\(name).json")["eval_valid_at_init"] as! [String: Any]
            let ranks = eval["target_rank_1based"] as! [Int]
            let expected = eval["metrics_12dp"] as! [String: Double]
            let rounded = eval["metrics_rounded_4dp"] as! [String: Double]
            var m = RankingMetrics(ks: [1, 5, 10])
            for r in ranks { m.add(rank: r) }
            m.finalize()
            for (key, value) in expected {
                XCTAssertEqual(m[key]!, value, accuracy: 1e-11, "\(name) \(key)")
                XCTAssertEqual(RankingMetrics.rounded(m[key]!), rounded[key]!, "\(name) \(key) rounded")
            }
        }
    }

    /// The recorded raw scores of the first 8 users, masked as each case's protocol says, give the
    /// recorded ranks through the evaluator (sequential: PAD only; graph: PAD + training items).
    func testReferenceRanksFromRecordedScores() throws {
        let ds = try Dataset.load(path: TestFiles.fixture("tiny.txt"))
        for (name, masking) in [("gsau_rec_step", HistoryMasking.none), ("sasrec_u_step", .none), ("directau_step", .history)] {
            let eval = try TestFiles.fixtureJSON("\(name).json")["eval_valid_at_init"] as! [String: Any]
            let first8 = eval["first8"] as! [String: Any]
            let users = (first8["user_id"] as! [Int]).map(Int32.init)
            let scores = (first8["full_sort_predict_scores"] as! [String: Any])["data"] as! [Double]
            let targets = first8["target_item_id"] as! [Int]
            let ranks = eval["target_rank_1based"] as! [Int]
            let masked = eval["masked_history_item_ids"] as! [[Int]]
            var rows: [Int32: [Float]] = [:]
            for (b, u) in users.enumerated() {
                rows[u] = scores[(b * 21)..<((b + 1) * 21)].map { Float($0) }
                XCTAssertEqual(Int(ds.target(ofUser: u, split: .validation)), targets[b])
                if masking == .history {
                    XCTAssertEqual(Set(ds.history(ofUser: u, split: .validation).map(Int.init)), Set(masked[b]))
                }
            }
            let scorer = FixedScorer(rows: rows, itemCount: 21)
            for (b, u) in users.enumerated() {
                let m = try Evaluator(dataset: ds).evaluate(scorer, split: .validation, masking: masking,
                                                           ks: Array(1...21), users: [u])
                let rank = (1...21).first { m["recall@\($0)"]! == 1 }!
                XCTAssertEqual(rank, ranks[b], "\(name) user \(u)")
            }
        }
    }

    func testPopularityBaselineScoresTrainingFrequency() throws {
        let ds = try Dataset.load(path: try TestFiles.temporary("a 1 2 3 9 9\nb 1 2 4 5\nc 1 4 6 7 8\n", suffix: ".txt"))
        let pop = PopularityModel(dataset: ds)
        // Training items: a: 1 2 3; b: 1 2; c: 1 4 6.
        XCTAssertEqual(pop.itemScores[Int(ds.items.id(of: "1")!)], 3)
        XCTAssertEqual(pop.itemScores[Int(ds.items.id(of: "2")!)], 2)
        XCTAssertEqual(pop.itemScores[Int(ds.items.id(of: "9")!)], 0)
        XCTAssertEqual(pop.itemScores[0], 0)
        let m = try Evaluator(dataset: ds).evaluate(pop, split: .test, masking: .none, ks: [1, 10])
        XCTAssertEqual(m.userCount, 3)
    }
}
