import XCTest
@testable import GSAU

/// Regressions for two traps met while writing the training-state fuzz target
/// (Fuzz/Targets/TrainingStateLoader.swift), which reproduces both from a crafted input: a state
/// file with a valid checksum whose run counters no run can have written (Adam's step at Int.max;
/// more epochs since the best than epochs run) used to load and resume, and training then trapped
/// on the counter's next increment (AdamState.step, EarlyStopping.update). The loader now refuses
/// such files as corrupt, naming the counters; counters at their bounds still resume.
final class TrainingStateCounterTests: XCTestCase {
    private func trainer(epochs: Int) throws -> Trainer {
        var c = ModelConfig(variant: .gsauRec)
        c.useTinyFixtureSizes(); c.seed = 5
        var o = TrainingOptions()
        o.epochs = epochs
        return try Trainer(config: c, dataset: try Dataset.load(path: TestFiles.fixture("tiny.txt")), options: o)
    }

    /// The state file after one epoch of the tiny run, with `edit` applied before encoding.
    private func stateFile(_ edit: (inout TrainingState) -> Void) throws -> [UInt8] {
        var saved: TrainingState? = nil
        _ = try trainer(epochs: 1).train(savingStateTo: TrainingStateSink { saved = $0 })
        var state = try XCTUnwrap(saved)
        XCTAssertEqual(state.progress.history.count, 1)
        edit(&state)
        return try state.encoded()
    }

    private func assertRefused(_ bytes: [UInt8], naming text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try TrainingState.decode(bytes, source: "run.gsat"), file: file, line: line) { error in
            guard case GSAUError.corruptFile(let path, let message) = error else {
                return XCTFail("expected corruptFile, got \(error)", file: file, line: line)
            }
            XCTAssertEqual(path, "run.gsat", file: file, line: line)
            XCTAssertTrue(message.contains("run counters are inconsistent"), message, file: file, line: line)
            XCTAssertTrue(message.contains(text), message, file: file, line: line)
        }
    }

    func testAnAdamStepNoRunCanReachIsRefused() throws {
        assertRefused(try stateFile { $0.adamStep = Int.max }, naming: "Adam step \(Int.max)")
        assertRefused(try stateFile { $0.adamStep = (1 << 53) + 1 }, naming: "Adam step \((1 << 53) + 1)")
    }

    func testMoreEpochsSinceTheBestThanEpochsRunAreRefused() throws {
        assertRefused(try stateFile { $0.progress.stopping.restore(best: .nan, sinceBest: Int.max) },
                      naming: "\(Int.max) epochs since the best")
        assertRefused(try stateFile { $0.progress.stopping.restore(best: .nan, sinceBest: 2) },
                      naming: "2 epochs since the best, Adam step")
    }

    /// One epoch since the best after one epoch run, and Adam at step 2^53: the run continues.
    func testCountersAtTheirBoundsResumeAndTrain() throws {
        let bytes = try stateFile {
            $0.adamStep = 1 << 53
            $0.progress.stopping.restore(best: .nan, sinceBest: 1)
        }
        let state = try TrainingState.decode(bytes, source: "run.gsat")
        let next = try trainer(epochs: 2)
        try next.resume(from: state, source: "run.gsat")
        let (_, result) = try next.train()
        XCTAssertEqual(result.history.count, 2)
    }
}
