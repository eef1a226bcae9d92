import XCTest
@testable import GSAU

/// Training with the opt-in sampled softmax (docs/MODEL.md §4.8): it trains otherwise than the
/// full softmax, is refused where there is no softmax, is saved in checkpoints and counted in the
/// memory estimate. (Its gradients: SampledCrossEntropyTests and ObjectiveGradientTests; exact
/// resume: ResumeTests; that it learns about as well as the full softmax on Beauty data: the
/// Python test_sampled_softmax.py, on the release library; the full softmax stays bit for bit the
/// golden record's.)
final class SampledSoftmaxTrainingTests: XCTestCase {
    func testTheSampledRunIsNotTheFullSoftmaxRun() throws {
        // (That it resumes exactly: ResumeTests.testStoppedAndResumedRunEqualsUninterruptedRun.)
        let ds = try Dataset.load(path: TestFiles.fixture("tiny.txt"))
        for variant in [Variant.gsauRec, .bert4rec] {
            var c = ModelConfig(variant: variant)
            c.useTinyFixtureSizes(); c.seed = 11; c.sampledNegatives = 5
            let sampled = try Trainer(config: c, dataset: ds, options: .epochs(3)).train()
            c.sampledNegatives = 0
            let full = try Trainer(config: c, dataset: ds, options: .epochs(3)).train()
            XCTAssertNotEqual(full.result.history.map(\.lossSum), sampled.result.history.map(\.lossSum), "\(variant)")
        }
    }

    func testItIsRefusedWithoutASoftmaxAndOutOfRange() {
        for variant in [Variant.gsau, .sasrecU, .directau, .lightgcn] {
            var c = ModelConfig(variant: variant)
            c.sampledNegatives = 8
            XCTAssertThrowsError(try c.validate(), "\(variant)") {
                XCTAssertTrue("\($0)".contains("sampled_negatives replaces the full softmax"), "\($0)")
            }
        }
        XCTAssertThrowsError(try ModelConfig.resolved(variant: .gsauRec, overrides: [("sampled_negatives", .int(-1))])) {
            XCTAssertTrue("\($0)".contains("sampled_negatives"), "\($0)")
        }
        XCTAssertThrowsError(try ModelConfig.resolved(variant: .gsauRec, overrides: [("sampled_negatives", .int(1 << 25))]))
        XCTAssertEqual(try ModelConfig.resolved(variant: .sasrec, overrides: [("sampled_negatives", .int(64))]).sampledNegatives, 64)
    }

    func testACheckpointKeepsItAndAnOlderFormatLoadsWithout() throws {
        try assertCheckpointKeepsAppendedField(\.sampledNegatives, 7, json: "\"sampled_negatives\": 7", previousFormat: 4)
    }

    func testTheMemoryEstimateCountsKLogitsPerRowInsteadOfEveryItem() throws {
        let ds = try Dataset.load(path: TestFiles.data("beauty-mini.txt"))
        var c = ModelConfig(variant: .gsauRec)
        let layout = ParameterLayout(config: c, userCount: ds.users.count, itemCount: ds.items.count)
        let full = TrainingMemory.estimate(config: c, layout: layout, dataset: ds)
        c.sampledNegatives = 100
        let sampled = TrainingMemory.estimate(config: c, layout: layout, dataset: ds)
        XCTAssertEqual(full - sampled, 4 * (2 * c.batchSize * ds.items.count - c.batchSize * 101 - 2 * 100 * c.embeddingSize))
    }
}
