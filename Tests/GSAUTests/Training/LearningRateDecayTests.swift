import Foundation
import XCTest
@testable import GSAU

/// The opt-in learning-rate decay on a plateau (docs/MODEL.md §6.6): where early stopping would
/// stop, the rate is multiplied by the factor and training goes on; the epochs before are the
/// undecayed run's, a stopped run resumed with decays goes on as a decayed run from the start
/// would have, and the state file, the JSON result and checkpoints keep it.
final class LearningRateDecayTests: XCTestCase {
    private var dataset: Dataset!

    override func setUpWithError() throws {
        dataset = try Dataset.load(path: TestFiles.fixture("tiny.txt"))
    }

    /// A run that early stopping ends after a few epochs at patience 1 (SASRec(u) at a high rate).
    private func config(decays: Int = 0, factor: Double = 0.5) -> ModelConfig {
        var c = ModelConfig(variant: .sasrecU)
        c.useTinyFixtureSizes(); c.seed = 11; c.learningRate = 0.05
        c.learningRateDecays = decays; c.learningRateDecay = factor
        return c
    }

    private func options(epochs: Int = 60, patience: Int = 1) -> TrainingOptions {
        var o = TrainingOptions.epochs(epochs)
        o.patience = patience; o.validationMetric = "ndcg@5"
        return o
    }

    func testAPlateauDecaysTheRateWhereTheRunWouldHaveStopped() throws {
        let plain = try Trainer(config: config(), dataset: dataset, options: options()).train()
        XCTAssertEqual(plain.result.stopReason, .earlyStopped)
        let stop = plain.result.history.count
        let trainer = try Trainer(config: config(decays: 2), dataset: dataset, options: options())
        let decayed = try trainer.train()

        XCTAssertEqual(Array(decayed.result.history.prefix(stop).map(\.lossSum)), plain.result.history.map(\.lossSum),
                       "before the first decay the run is the undecayed run")
        XCTAssertEqual(decayed.result.learningRateDecayEpochs.first, stop - 1, "the first decay is where the plain run stopped")
        XCTAssertEqual(decayed.result.stopReason, .earlyStopped)
        XCTAssertEqual(decayed.result.learningRateDecayEpochs.count, 2, "it stops at the plateau after the last decay")
        let decays = decayed.result.learningRateDecayEpochs
        XCTAssertTrue(zip(decays, decays.dropFirst()).allSatisfy { $1 - $0 >= 2 },
                      "after a decay the patience (1) starts afresh: \(decays)")
        XCTAssertEqual(trainer.learningRate, 0.05 * 0.5 * 0.5)
        XCTAssertGreaterThan(decayed.result.history.count, stop + 1)

        // The epoch after the decay trains with the lower rate: a run with more patience and no
        // decay trains that epoch otherwise.
        let patient = try Trainer(config: config(), dataset: dataset, options: options(patience: 8)).train()
        XCTAssertGreaterThan(patient.result.history.count, stop)
        XCTAssertNotEqual(decayed.result.history[stop].lossSum, patient.result.history[stop].lossSum)

        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(decayed.result.json.serialized().utf8)) as? [String: Any])
        XCTAssertEqual(json["learning_rate_decayed_after"] as? [Int], decayed.result.learningRateDecayEpochs)
        let config = try XCTUnwrap(json["config"] as? [String: Any])
        XCTAssertEqual(config["learning_rate_decays"] as? Int, 2)
        XCTAssertEqual(config["learning_rate_decay"] as? Double, 0.5)
    }

    func testAStoppedRunResumedWithDecaysGoesOnAsADecayedRunFromTheStart() throws {
        let path = try TestFiles.unusedPath(suffix: ".state")
        let stopped = try Trainer(config: config(), dataset: dataset, options: options()).train(statePath: path)
        XCTAssertEqual(stopped.result.stopReason, .earlyStopped)
        let straight = try Trainer(config: config(decays: 2), dataset: dataset, options: options()).train()

        let resumed = try Trainer(config: config(decays: 2), dataset: dataset, options: options())
        try resumed.resume(from: path)
        XCTAssertEqual(resumed.learningRate, 0.025, "resuming the stopped run decays at once, as the run from the start did")
        // Before its first decay a run may take another factor too.
        let gentler = try Trainer(config: config(decays: 1, factor: 0.3), dataset: dataset, options: options())
        try gentler.resume(from: path)
        XCTAssertEqual(gentler.learningRate, 0.05 * 0.3)
        assertSameRun(try resumed.train(statePath: path), straight)
    }

    /// A run allowing 2 decays, its first decay, and a state file of the same run stopped 2 epochs
    /// after that decay.
    private func stateAfterFirstDecay() throws -> (straight: (model: GSAUModel, result: TrainingResult), firstDecay: Int, path: String) {
        let straight = try Trainer(config: config(decays: 2), dataset: dataset, options: options()).train()
        let firstDecay = try XCTUnwrap(straight.result.learningRateDecayEpochs.first)
        let path = try TestFiles.unusedPath(suffix: ".state")
        _ = try Trainer(config: config(decays: 2), dataset: dataset, options: options(epochs: firstDecay + 2)).train(statePath: path)
        return (straight, firstDecay, path)
    }

    func testADecayedRunStoppedAndResumedEqualsTheUninterruptedRun() throws {
        let (straight, firstDecay, path) = try stateAfterFirstDecay()
        let state = try TrainingState.read(from: path)
        XCTAssertEqual(state.progress.learningRateDecayEpochs, [firstDecay], "the state file keeps the decays")

        let resumed = try Trainer(config: config(decays: 2), dataset: dataset, options: options())
        try resumed.resume(from: path)
        XCTAssertEqual(resumed.learningRate, 0.025)
        assertSameRun(try resumed.train(), straight)
    }

    func testAfterADecayTheFactorIsFixedAndTheDecaysMayNotFallBelowThoseMade() throws {
        let (_, firstDecay, path) = try stateAfterFirstDecay()

        XCTAssertThrowsError(try Trainer(config: config(decays: 2, factor: 0.3), dataset: dataset, options: options()).resume(from: path)) {
            XCTAssertTrue("\($0)".contains("learning_rate_decay = 0.5, this run has 0.3"), "\($0)")
        }
        let unchanged = try Trainer(config: config(decays: 0), dataset: dataset, options: options())
        XCTAssertThrowsError(try unchanged.resume(from: path)) {
            XCTAssertTrue("\($0)".contains("decayed 1 times; this run allows 0"), "\($0)")
        }
        XCTAssertEqual(unchanged.nextEpoch, 0, "a refused resume leaves the trainer as it was")
        XCTAssertEqual(unchanged.learningRate, 0.05)
        // One decay made, one allowed: it goes on and stops at the next plateau.
        let one = try Trainer(config: config(decays: 1), dataset: dataset, options: options())
        try one.resume(from: path)
        let ended = try one.train()
        XCTAssertEqual(ended.result.learningRateDecayEpochs, [firstDecay])
        XCTAssertEqual(ended.result.stopReason, .earlyStopped)
    }

    func testBadValuesAreRefusedNamingTheField() {
        for (decays, factor) in [(-1, 0.5), (1025, 0.5), (1, 0.0), (1, 1.0), (1, 1.5), (1, -0.1), (1, .nan)] {
            XCTAssertThrowsError(try config(decays: decays, factor: factor).validate(), "\(decays) \(factor)") {
                XCTAssertTrue("\($0)".contains(decays < 0 || decays > 1024 ? "learning_rate_decays" : "learning_rate_decay"), "\($0)")
            }
        }
    }

    func testAStateFileOfFormatOneResumesWithNoDecays() throws {
        // Written by 0.5.0, before the decay (Fixtures/states/README.md): 2 epochs of GSAU(rec).
        let path = TestFiles.repoRoot.appendingPathComponent("Tests/GSAUTests/Fixtures/states/v1-gsau-rec.state").path
        var c = ModelConfig(variant: .gsauRec)
        c.useTinyFixtureSizes(); c.seed = 11; c.learningRateDecays = 3
        let trainer = try Trainer(config: c, dataset: dataset, options: .epochs(3))
        try trainer.resume(from: path)
        XCTAssertEqual(trainer.nextEpoch, 2)
        XCTAssertEqual(trainer.learningRate, c.learningRate)
        let (_, result) = try trainer.train()
        XCTAssertEqual(result.history.count, 3)
        XCTAssertEqual(result.learningRateDecayEpochs, [])
    }

    func testACheckpointKeepsItAndFormatSixLoadsWithNoDecays() throws {
        try assertCheckpointKeepsAppendedField(\.learningRateDecays, 3, json: "\"learning_rate_decays\": 3", previousFormat: 6)
        try assertCheckpointKeepsAppendedField(\.learningRateDecay, 0.25, json: "\"learning_rate_decay\": 0.25", previousFormat: 6)
    }
}
