import XCTest
@testable import GSAU

/// A training-state file whose checksum is right but whose counters are out of reach of any run
/// (crafted, or written by a bug) is refused as corrupt on reading, instead of trapping later when
/// training adds one to them.
final class StateFileBoundsTests: XCTestCase {
    func testCountersNoRunReachesAreRefused() throws {
        var c = ModelConfig(variant: .gsauRec)
        c.useTinyFixtureSizes()
        var options = TrainingOptions()
        options.epochs = 1
        var states: [TrainingState] = []
        _ = try Trainer(config: c, dataset: try Dataset.load(path: TestFiles.fixture("tiny.txt")), options: options)
            .train(savingStateTo: TrainingStateSink { states.append($0) })
        let state = try XCTUnwrap(states.first)
        XCTAssertNoThrow(try TrainingState.decode(try state.encoded(), source: "valid"))

        var edits: [(String, (inout TrainingState) -> Void)] = [
            ("adam step Int.max", { $0.adamStep = Int.max }),
            ("next epoch Int.max", { $0.progress.nextEpoch = Int.max }),
            ("epochs since best Int.max", { $0.progress.stopping.restore(best: 0, sinceBest: Int.max) }),
        ]
        edits.append(("epochs since best past the next epoch", { $0.progress.stopping.restore(best: 0, sinceBest: $0.progress.nextEpoch + 1) }))
        // Learning-rate decays (docs/MODEL.md §6.6) after epochs the history holds, in order.
        edits.append(("a decay after an epoch past the history", { $0.progress.learningRateDecayEpochs = [$0.progress.history.count] }))
        edits.append(("a decay after epoch -1", { $0.progress.learningRateDecayEpochs = [-1] }))
        edits.append(("decays out of order", { $0.progress.learningRateDecayEpochs = [0, -1] }))
        for (name, edit) in edits {
            var crafted = state
            edit(&crafted)
            XCTAssertThrowsError(try TrainingState.decode(try crafted.encoded(), source: "crafted"), name) { error in
                guard case GSAUError.corruptFile(_, let message) = error else { return XCTFail("\(name): \(error)") }
                XCTAssertTrue(message.contains("run counters are inconsistent"), "\(name): \(message)")
            }
        }

        // History records: epochs numbered in order, step counts an int32 holds.
        for (name, edit) in [("epoch Int.max", { (s: inout TrainingState) in s.progress.history[0].epoch = Int.max }),
                             ("steps -1", { (s: inout TrainingState) in s.progress.history[0].steps = -1 })] {
            var crafted = state
            edit(&crafted)
            XCTAssertThrowsError(try TrainingState.decode(try crafted.encoded(), source: "crafted"), name) { error in
                guard case GSAUError.corruptFile(_, let message) = error else { return XCTFail("\(name): \(error)") }
                XCTAssertTrue(message.contains("history[0]"), "\(name): \(message)")
            }
        }
    }
}
