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
        var c = ModelConfig(variant: .gsauRec)
        c.useTinyFixtureSizes(); c.logitScale = 2.5
        let ds = try Dataset.load(path: TestFiles.fixture("tiny.txt"))
        let (model, result) = try Trainer(config: c, dataset: ds, options: .epochs(1)).train()
        let path = try TestFiles.temporary("", suffix: ".gsau")
        try model.save(to: path)
        let loaded = try GSAUModel.load(from: path)
        XCTAssertEqual(loaded.config.logitScale, 2.5)
        XCTAssertEqual(loaded.parameters, model.parameters)
        XCTAssertTrue(result.json.serialized().contains("\"logit_scale\": 2.5"), "the JSON result names it")
        // Format 5 has no such field: a model written in it loads with the paper's 1.
        var contents = Checkpoint.Contents(model: model)
        contents.version = 5
        let older = try GSAUModel.deserialize(try contents.encoded(), source: "v5.gsau")
        XCTAssertEqual(older.config.logitScale, 1)
        XCTAssertEqual(older.parameters, model.parameters)
    }
}
