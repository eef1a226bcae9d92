import Foundation
import XCTest
@testable import GSAU

/// Checkpoints written by gsau 0.1.0 at 8c835bf, before the engine's restructuring,
/// still load and score as that version scored them (Fixtures/checkpoints/README.md).
final class LegacyCheckpointTests: XCTestCase {
    private let folder = TestFiles.repoRoot.appendingPathComponent("Tests/GSAUTests/Fixtures/checkpoints")

    func testCheckpointsOfTheEarlierVersionLoadAndScoreTheSame() throws {
        let data = try Data(contentsOf: folder.appendingPathComponent("v2-top5.json"))
        let expected = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: [String: [String: [Double]]]])
        XCTAssertEqual(Set(expected.keys), ["gsau-rec", "directau", "bert4rec"])
        for (variant, users) in expected {
            let model = try GSAUModel.load(from: folder.appendingPathComponent("v2-\(variant).gsau").path)
            XCTAssertEqual(model.config.variant.rawValue, variant)
            let engine = try QueryEngine(model: model)
            XCTAssertEqual(users.count, 24)
            for (user, top) in users {
                var ids = [Int32](repeating: 0, count: 5), scores = [Float](repeating: 0, count: 5)
                let n = try engine.recommend(userIndex: try XCTUnwrap(Int32(user)), count: 5, filter: .none,
                                             ids: &ids, scores: &scores)
                let wantItems = try XCTUnwrap(top["items"]), wantScores = try XCTUnwrap(top["scores"])
                XCTAssertEqual(n, wantItems.count, "\(variant) user \(user)")
                for k in 0..<n {
                    // Another BLAS kernel family may round the last bits differently: scores within
                    // 1e-5 relative; items equal unless the recorded scores tie at that precision.
                    let want = wantScores[k]
                    XCTAssertEqual(Double(scores[k]), want, accuracy: 1e-5 * max(1, abs(want)), "\(variant) user \(user) rank \(k)")
                    if Int32(wantItems[k]) != ids[k] {
                        let tied = wantScores.indices.contains { j in j != k && abs(wantScores[j] - want) <= 1e-5 * max(1, abs(want)) }
                        XCTAssertTrue(tied, "\(variant) user \(user) rank \(k): item \(ids[k]), recorded \(Int(wantItems[k]))")
                    }
                }
            }
        }
    }
}
