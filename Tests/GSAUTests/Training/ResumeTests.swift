import Foundation
import XCTest
@testable import GSAU

/// Training-state files: a run stopped and resumed gives the numbers of an uninterrupted run, and
/// bad or foreign state files are refused without touching the trainer.
final class ResumeTests: XCTestCase {
    private func config(_ variant: Variant = .gsauRec) -> ModelConfig {
        var c = ModelConfig(variant: variant)
        c.useTinyFixtureSizes(); c.seed = 11
        return c
    }

    func testStoppedAndResumedRunEqualsUninterruptedRun() throws {
        let ds = try Dataset.load(path: TestFiles.fixture("tiny.txt"))
        // Dropout + derangement; BPR negatives; cloze masks; the sampled softmax's negatives
        // (docs/MODEL.md §4.8), drawn from the sampling stream, with and without cloze masks;
        // the logit scale (§4.9), which the state file's config carries.
        var sampled = [config(.gsauRec), config(.bert4rec)]
        for i in sampled.indices { sampled[i].sampledNegatives = 5 }
        var scaled = config(.gsauRec)
        scaled.logitScale = 4
        for c in [config(.gsauRec), config(.lightgcn), config(.bert4rec)] + sampled + [scaled] {
            let variant = "\(c.variant) K \(c.sampledNegatives) s \(c.logitScale)"
            let straight = try Trainer(config: c, dataset: ds, options: .epochs(4)).train()

            let path = try TestFiles.unusedPath(suffix: ".state")
            _ = try Trainer(config: c, dataset: ds, options: .epochs(2)).train(statePath: path)
            let second = try Trainer(config: c, dataset: ds, options: .epochs(4))
            try second.openState(at: path, resume: true)
            XCTAssertEqual(second.nextEpoch, 2)
            let resumed = try second.train(statePath: path)

            XCTAssertEqual(resumed.result.history.map(\.lossSum), straight.result.history.map(\.lossSum), "\(variant)")
            XCTAssertEqual(resumed.result.history.map(\.validation), straight.result.history.map(\.validation), "\(variant)")
            XCTAssertEqual(resumed.result.bestEpoch, straight.result.bestEpoch)
            XCTAssertEqual(resumed.model.parameters, straight.model.parameters, "\(variant)")
            XCTAssertEqual(resumed.result.test, straight.result.test)
        }
    }

    func testEarlyStoppedRunStaysStoppedOnResume() throws {
        let ds = try Dataset.load(path: TestFiles.fixture("tiny.txt"))
        var o = TrainingOptions.epochs(40)
        o.patience = 0; o.validationMetric = "ndcg@5"
        var c = config(.sasrecU); c.learningRate = 0.05
        let path = try TestFiles.unusedPath(suffix: ".state")
        let first = try Trainer(config: c, dataset: ds, options: o).train(statePath: path)
        XCTAssertEqual(first.result.stopReason, .earlyStopped)
        let again = try Trainer(config: c, dataset: ds, options: o)
        try again.resume(from: path)
        let second = try again.train()
        XCTAssertEqual(second.result.stopReason, .earlyStopped)
        XCTAssertEqual(second.result.history.count, first.result.history.count)
        XCTAssertEqual(second.model.parameters, first.model.parameters)
        XCTAssertEqual(second.result.test, first.result.test)
    }

    func testMorePatienceContinuesAStoppedRunAsIfItHadHadItFromTheStart() throws {
        // Stopped by patience 0, resumed with patience 3: the same epochs, parameters and stop as a
        // run with patience 3 from the start.
        let ds = try Dataset.load(path: TestFiles.fixture("tiny.txt"))
        var c = config(.sasrecU); c.learningRate = 0.05
        var strict = TrainingOptions.epochs(30)
        strict.patience = 0; strict.validationMetric = "ndcg@5"
        var patient = strict
        patient.patience = 3
        let path = try TestFiles.unusedPath(suffix: ".state")
        let stopped = try Trainer(config: c, dataset: ds, options: strict).train(statePath: path)
        XCTAssertEqual(stopped.result.stopReason, .earlyStopped)
        let straight = try Trainer(config: c, dataset: ds, options: patient).train()
        XCTAssertGreaterThan(straight.result.history.count, stopped.result.history.count, "the larger patience runs longer")

        let resumed = try Trainer(config: c, dataset: ds, options: patient)
        try resumed.resume(from: path)
        XCTAssertEqual(resumed.nextEpoch, stopped.result.history.count)
        assertSameRun(try resumed.train(statePath: path), straight)

        // A smaller patience than the state's is refused (it might have stopped the run earlier).
        XCTAssertThrowsError(try Trainer(config: c, dataset: ds, options: strict).resume(from: path)) {
            XCTAssertTrue("\($0)".contains("patience 3; a resumed run may keep or raise it, not lower it to 0"), "\($0)")
        }
    }

    func testForeignOrDamagedStateIsRefusedAndTheTrainerUnchanged() throws {
        let ds = try Dataset.load(path: TestFiles.fixture("tiny.txt"))
        let path = try TestFiles.unusedPath(suffix: ".state")
        _ = try Trainer(config: config(), dataset: ds, options: .epochs(1)).train(statePath: path)

        var other = config(); other.gamma = 0.2
        let trainer = try Trainer(config: other, dataset: ds, options: .epochs(2))
        _ = try trainer.train()
        XCTAssertThrowsError(try trainer.resume(from: path)) {
            XCTAssertTrue("\($0)".contains("gamma = 0.1, this run has 0.2"), "\($0)")
        }
        XCTAssertEqual(trainer.nextEpoch, 2)
        XCTAssertEqual(trainer.history.count, 2)

        let mini = try Dataset.load(path: TestFiles.data("beauty-mini.txt"))
        XCTAssertThrowsError(try Trainer(config: config(), dataset: mini, options: .epochs(2)).resume(from: path)) {
            XCTAssertTrue("\($0)".contains("other data"), "\($0)")
        }

        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count / 2] ^= 0x10
        let damaged = try TestFiles.unusedPath(suffix: ".state")
        try Data(bytes).write(to: URL(fileURLWithPath: damaged))
        XCTAssertThrowsError(try Trainer(config: config(), dataset: ds, options: .epochs(2)).resume(from: damaged)) {
            XCTAssertTrue("\($0)".contains("checksum mismatch"), "\($0)")
        }
        try Data(bytes.prefix(40)).write(to: URL(fileURLWithPath: damaged))
        XCTAssertThrowsError(try Trainer(config: config(), dataset: ds, options: .epochs(2)).resume(from: damaged))
        XCTAssertThrowsError(try Trainer(config: config(), dataset: ds, options: .epochs(2)).resume(from: TestFiles.fixture("tiny.txt"))) {
            XCTAssertTrue("\($0)".contains("not a GSAU training-state file"), "\($0)")
        }
    }

    /// A state written before a config field existed resumes (the run had the field's default);
    /// a field this library does not know is refused.
    func testConfigFieldsAreComparedByNameWithDefaultsForNewerFields() throws {
        let ds = try Dataset.load(path: TestFiles.fixture("tiny.txt"))
        let path = try TestFiles.unusedPath(suffix: ".state")
        _ = try Trainer(config: config(), dataset: ds, options: .epochs(1)).train(statePath: path)
        var state = try TrainingState.decode(try Array(Data(contentsOf: URL(fileURLWithPath: path))), source: path)
        state.configText.removeAll { (ConfigSchema.field(named: $0.name)?.sinceFormatVersion ?? 1) > 1 }
        let older = try TestFiles.unusedPath(suffix: ".state")
        try Data(try state.encoded()).write(to: URL(fileURLWithPath: older))
        let resumed = try Trainer(config: config(), dataset: ds, options: .epochs(2))
        try resumed.resume(from: older)
        XCTAssertEqual(resumed.nextEpoch, 1)

        var bert = config(); bert.maskRatio = 0.3          // differs from the default the old file implies
        XCTAssertThrowsError(try Trainer(config: bert, dataset: ds, options: .epochs(2)).resume(from: older)) {
            XCTAssertTrue("\($0)".contains("mask_ratio = 0.2, this run has 0.3"), "\($0)")
        }
        state.configText.append((name: "future_knob", value: "1"))
        try Data(try state.encoded()).write(to: URL(fileURLWithPath: older))
        XCTAssertThrowsError(try Trainer(config: config(), dataset: ds, options: .epochs(2)).resume(from: older)) {
            XCTAssertTrue("\($0)".contains("'future_knob'"), "\($0)")
        }
    }

    /// Every truncation of a valid file fails with an error (checked lengths, no trap).
    func testAStateFileIsNeverOverwrittenByANewRun() throws {
        let ds = try Dataset.load(path: TestFiles.fixture("tiny.txt"))
        let path = try TestFiles.unusedPath(suffix: ".state")
        _ = try Trainer(config: config(), dataset: ds, options: .epochs(1)).train(statePath: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try Trainer(config: config(), dataset: ds, options: .epochs(1)).openState(at: path, resume: false)) {
            XCTAssertTrue("\($0)".contains("exists"), "\($0)")
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before)
    }

    func testEveryTruncationIsAnError() throws {
        let ds = try Dataset.load(path: TestFiles.fixture("tiny.txt"))
        let path = try TestFiles.unusedPath(suffix: ".state")
        var c = config(); c.embeddingSize = 4; c.innerSize = 4; c.heads = 1; c.transformerLayers = 1; c.graphLayers = 1
        _ = try Trainer(config: c, dataset: ds, options: .epochs(1)).train(statePath: path)
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertNoThrow(try TrainingState.decode(bytes, source: "s"))
        for n in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 400)) {
            XCTAssertThrowsError(try TrainingState.decode(Array(bytes.prefix(n)), source: "s"))
        }
    }
}
