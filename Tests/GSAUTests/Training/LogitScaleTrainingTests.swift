import XCTest
@testable import GSAU

/// Training with the opt-in logit scale (docs/MODEL.md §4.9): it trains otherwise than the
/// paper's loss, and checkpoints and the JSON result keep it; a checkpoint of format 5, which has
/// no such field, loads with 1.
final class LogitScaleTrainingTests: XCTestCase {
    func testAScaledRunIsNotTheUnscaledRun() throws {
        let ds = try Dataset.load(path: TestFiles.fixture("tiny.txt"))
        var c = ModelConfig(variant: .gsauRec)
        c.useTinyFixtureSizes(); c.seed = 11; c.logitScale = 4
        let scaled = try Trainer(config: c, dataset: ds, options: .epochs(3)).train()
        c.logitScale = 1
        let plain = try Trainer(config: c, dataset: ds, options: .epochs(3)).train()
        XCTAssertNotEqual(plain.result.history.map(\.lossSum), scaled.result.history.map(\.lossSum))
    }

    func testACheckpointKeepsItAndFormatFiveLoadsWithOne() throws {
        try assertCheckpointKeepsAppendedField(\.logitScale, 2.5, json: "\"logit_scale\": 2.5", previousFormat: 5)
    }
}
