import XCTest
@testable import GSAU

/// A continued run went exactly as the run it should equal: the same epochs (loss sums),
/// learning-rate decays, best epoch, stop reason and kept parameters.
func assertSameRun(_ continued: (model: GSAUModel, result: TrainingResult), _ straight: (model: GSAUModel, result: TrainingResult),
                   file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(continued.result.history.map(\.lossSum), straight.result.history.map(\.lossSum), file: file, line: line)
    XCTAssertEqual(continued.result.learningRateDecayEpochs, straight.result.learningRateDecayEpochs, file: file, line: line)
    XCTAssertEqual(continued.result.bestEpoch, straight.result.bestEpoch, file: file, line: line)
    XCTAssertEqual(continued.result.stopReason, straight.result.stopReason, file: file, line: line)
    XCTAssertEqual(continued.model.parameters, straight.model.parameters, file: file, line: line)
}
