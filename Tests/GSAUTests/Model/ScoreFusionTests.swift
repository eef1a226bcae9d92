import Foundation
import XCTest
@testable import GSAU

/// Opt-in score fusion (docs/MODEL.md §7.5): score = sequence score + w · cos(graph user, graph
/// item), checked against an independent computation from the unfused and the graph scorers; the
/// weight's refusals, its checkpoint round trip and its choice on validation.
final class ScoreFusionTests: XCTestCase {
    nonisolated(unsafe) private static var trained: GSAUModel?

    /// A tiny GSAU(rec) model (2 epochs), trained once for the class.
    private func model() throws -> GSAUModel {
        if let m = Self.trained { return m }
        let ds = try Dataset.load(path: TestFiles.fixture("tiny.txt"))
        var c = ModelConfig(variant: .gsauRec)
        c.useTinyFixtureSizes(); c.seed = 7
        var options = TrainingOptions()
        options.epochs = 2
        let (m, _) = try Trainer(config: c, dataset: ds, options: options).train()
        Self.trained = m
        return m
    }

    /// Score rows [users, itemCount] of `scorer` for the given users (their whole histories).
    private func rows(_ scorer: Scorer, _ model: GSAUModel, users: [Int32]) -> [Float] {
        var v = [Float](repeating: 0, count: users.count * scorer.width)
        var s = [Float](repeating: 0, count: users.count * scorer.itemCount)
        users.withUnsafeBufferPointer { u in
            v.withUnsafeMutableBufferPointer { vp in
                scorer.userVectors(users: u, history: { model.dataset.items(ofUser: $0) },
                                   workspace: scorer.makeWorkspace(), into: vp.baseAddress!)
            }
        }
        v.withUnsafeBufferPointer { vp in
            s.withUnsafeMutableBufferPointer { sp in scorer.scores(userVectors: vp.baseAddress!, rows: users.count, into: sp.baseAddress!) }
        }
        return s
    }

    func testFusedScoresAreTheSequenceScorePlusTheWeightedGraphCosine() throws {
        let m = try model(), weight = 1.5
        let users = (1..<Int32(m.dataset.users.count)).map { $0 }
        let fused = try Scorer(model: m.withGraphScoreWeight(weight))
        XCTAssertTrue(fused.fusesGraphScore)
        XCTAssertEqual(fused.width, 2 * m.config.embeddingSize)
        let plain = try Scorer(model: m)
        XCTAssertFalse(plain.fusesGraphScore)
        // The graph encoder's layer means, from a graph-scored copy of the same parameters.
        var graphConfig = m.config
        graphConfig.predictWithGraph = true
        let graph = try Scorer(model: GSAUModel(config: graphConfig, dataset: m.dataset, layout: m.layout, parameters: m.parameters))
        let d = m.config.embeddingSize, items = m.itemCount
        var userMeans = [Float](repeating: 0, count: users.count * d)
        users.withUnsafeBufferPointer { u in
            userMeans.withUnsafeMutableBufferPointer { g in
                graph.userVectors(users: u, history: { _ in [] }, workspace: graph.makeWorkspace(), into: g.baseAddress!)
            }
        }
        let itemMeans = graph.withItemVectors { Array(UnsafeBufferPointer(start: $0, count: items * d)) }

        let got = rows(fused, m, users: users), sequence = rows(plain, m, users: users)
        func cosine(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Double {
            let x = a.map(Double.init), y = b.map(Double.init)
            let dot = zip(x, y).reduce(0) { $0 + $1.0 * $1.1 }
            let nx = x.reduce(0) { $0 + $1 * $1 }.squareRoot(), ny = y.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return dot / (max(nx, 1e-12) * max(ny, 1e-12))
        }
        var largestGraphPart = 0.0
        for (r, _) in users.enumerated() {
            for i in 1..<items {
                let cos = cosine(userMeans[(r * d)..<((r + 1) * d)], itemMeans[(i * d)..<((i + 1) * d)])
                let want = Double(sequence[r * items + i]) + weight * cos
                XCTAssertEqual(Double(got[r * items + i]), want, accuracy: 1e-5 * max(1, abs(want)), "user \(users[r]) item \(i)")
                largestGraphPart = max(largestGraphPart, abs(weight * cos))
            }
        }
        XCTAssertGreaterThan(largestGraphPart, 0.1, "the graph part must matter for this test to mean anything")
    }

    func testZeroWeightIsThePapersScoringBitForBit() throws {
        for variant in Variant.allCases { XCTAssertEqual(ModelConfig(variant: variant).graphScoreWeight, 0, "\(variant)") }
        let m = try model()
        let users = (1..<Int32(m.dataset.users.count)).map { $0 }
        let zero = try Scorer(model: m.withGraphScoreWeight(0))
        XCTAssertFalse(zero.fusesGraphScore)
        XCTAssertEqual(rows(zero, m, users: users), rows(try Scorer(model: m), m, users: users))
    }

    /// An anonymous sequence has no graph row: fused and plain engines rank it alike.
    func testASequenceWithoutAUserScoresBySequenceAlone() throws {
        let m = try model()
        let plain = try QueryEngine(model: m), fused = try QueryEngine(model: m.withGraphScoreWeight(2))
        let sequence = Array(m.dataset.items.tokens[1...4])
        let a = try plain.recommend(sequence: sequence, count: 5), b = try fused.recommend(sequence: sequence, count: 5)
        XCTAssertEqual(a.map(\.item), b.map(\.item))
        for (x, y) in zip(a, b) { XCTAssertEqual(x.score, y.score, accuracy: 1e-5 * max(1, abs(x.score))) }
        // A known user's ranking does change (the graph part is on).
        let user = m.dataset.users.tokens[1]
        let p = try plain.recommend(user: user, count: 20), f = try fused.recommend(user: user, count: 20)
        XCTAssertNotEqual(p.map(\.score), f.map(\.score))
    }

    /// Exported factors reproduce the fused scores: user vector · item vector.
    func testExportedVectorsGiveTheFusedScores() throws {
        let m = try model().withGraphScoreWeight(0.7)
        let engine = try QueryEngine(model: m)
        let w = engine.scorer.width, users = engine.userVectors(), items = engine.itemVectors()
        XCTAssertEqual(items.count, m.itemCount * w)
        let user = m.dataset.users.tokens[3]
        let u = try XCTUnwrap(m.dataset.users.id(of: user))
        for (item, score) in try engine.recommend(user: user, count: 10) {
            let i = try XCTUnwrap(m.dataset.items.id(of: item))
            let dot = (0..<w).reduce(0.0) { $0 + Double(users[Int(u) * w + $1]) * Double(items[Int(i) * w + $1]) }
            XCTAssertEqual(dot, Double(score), accuracy: 1e-5 * max(1, abs(dot)))
        }
    }

    func testWeightsAModelCannotUseAreRefused() throws {
        let m = try model()
        XCTAssertThrowsError(try m.withGraphScoreWeight(-1))
        XCTAssertThrowsError(try m.withGraphScoreWeight(.nan))
        XCTAssertThrowsError(try m.withGraphScoreWeight(.infinity))
        for variant in [Variant.directau, .sasrec, .gsauRecNoGraph] {   // graph-scored, or no graph encoder
            var c = ModelConfig(variant: variant)
            c.graphScoreWeight = 1
            XCTAssertThrowsError(try c.validate(), "\(variant)") { error in
                XCTAssertTrue("\(error)".contains("graph_score_weight"), "\(error)")
            }
        }
    }

    func testTheCheckpointKeepsTheWeightAndOlderCheckpointsLoadWithoutFusion() throws {
        let m = try model().withGraphScoreWeight(1.25)
        let path = try temporaryFolder() + "/fused.gsau"
        try m.save(to: path)
        let loaded = try GSAUModel.load(from: path)
        XCTAssertEqual(loaded.config.graphScoreWeight, 1.25)
        let user = m.dataset.users.tokens[2]
        let a = try QueryEngine(model: m).recommend(user: user, count: 10)
        let b = try QueryEngine(model: loaded).recommend(user: user, count: 10)
        XCTAssertEqual(a.map(\.item), b.map(\.item))
        XCTAssertEqual(a.map(\.score), b.map(\.score))
        let legacy = TestFiles.repoRoot.appendingPathComponent("Tests/GSAUTests/Fixtures/checkpoints/v2-gsau-rec.gsau").path
        XCTAssertEqual(try GSAUModel.load(from: legacy).config.graphScoreWeight, 0)
    }

    /// The choice reads validation only: each trial equals the validation NDCG@20 of that weight,
    /// the best rounded figure wins, ties go to the earlier candidate.
    func testTheWeightIsChosenOnValidationAlone() throws {
        let m = try model()
        let candidates = [0, 0.5, 3, 0.5]
        let (chosen, trials) = try m.selectingGraphScoreWeight(from: candidates)
        XCTAssertEqual(trials.map(\.weight), candidates)
        for trial in trials {
            let want = try XCTUnwrap(try m.withGraphScoreWeight(trial.weight).evaluate(split: .validation, ks: [20])["ndcg@20"])
            XCTAssertEqual(trial.validation, want)
            XCTAssertEqual(trial.rounded, RankingMetrics.rounded(want, places: 4))
        }
        let best = try XCTUnwrap(trials.map(\.rounded).max())
        let first = try XCTUnwrap(trials.first { $0.rounded == best })
        XCTAssertEqual(chosen.config.graphScoreWeight, first.weight)
        XCTAssertEqual(chosen.parameters, m.parameters)
        XCTAssertEqual(try m.selectingGraphScoreWeight(from: [0]).model.config.graphScoreWeight, 0)
        XCTAssertThrowsError(try m.selectingGraphScoreWeight(from: []))
        XCTAssertThrowsError(try m.selectingGraphScoreWeight(from: [0, -2]))
    }
}
