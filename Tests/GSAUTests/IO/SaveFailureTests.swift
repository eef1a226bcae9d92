import Foundation
import Synchronization
import XCTest
@testable import GSAU
@testable import GSAUCAPI
import GSAUHeader

/// A save that cannot finish (the disk fills up part way) reports an I/O error and leaves the
/// file that was there before, byte for byte, and no temporary file. The full disk is injected
/// with `FileWriteFault` (writes fail with ENOSPC after a byte budget); `make test-crash` repeats
/// the checkpoint case on a real full tmpfs.
final class SaveFailureTests: XCTestCase {
    private static var trained: GSAUModel?

    /// One epoch of GSAU(rec) on the tiny fixture (trained once).
    private func model() throws -> GSAUModel {
        if let m = Self.trained { return m }
        let m = try trainTinyGSAURec()
        Self.trained = m
        return m
    }

    /// The same model with other parameter values (so its file differs from the first's).
    private func otherModel() throws -> GSAUModel {
        let m = try model()
        return GSAUModel(config: m.config, dataset: m.dataset, layout: m.layout, parameters: m.parameters.map { $0 * 0.5 + 0.25 })
    }

    /// Runs `body` with writes failing after `budget` bytes, then lifts the fault.
    private func withWriteBudget<R>(_ budget: Int, _ body: () throws -> R) rethrows -> R {
        FileWriteFault.remainingBytes.store(budget, ordering: .relaxed)
        defer { FileWriteFault.remainingBytes.store(-1, ordering: .relaxed) }
        return try body()
    }

    private func bytes(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

    private func assertNoSpace(_ error: Error, file: StaticString = #filePath, line: UInt = #line) {
        guard case GSAUError.io(_, let message) = error else { return XCTFail("expected io, got \(error)", file: file, line: line) }
        XCTAssertTrue(message.contains("No space left on device"), message, file: file, line: line)
    }

    /// Budgets that stop the write before its first byte, inside it and one byte short.
    private func budgets(size: Int) -> [Int] { [0, 1, 4096, size / 2, size - 1] }

    func testACheckpointSaveOntoAFullDiskLeavesTheOldFile() throws {
        let folder = try temporaryFolder(), path = folder + "/model.gsau"
        try model().save(to: path)
        let old = try bytes(path)
        let new = try otherModel().serialized()
        XCTAssertNotEqual(old, new)
        for budget in budgets(size: new.count) {
            XCTAssertThrowsError(try withWriteBudget(budget) { try otherModel().save(to: path) }) { assertNoSpace($0) }
            XCTAssertEqual(try bytes(path), old, "budget \(budget)")
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["model.gsau"], "budget \(budget)")
        }
        // The budget is exactly what the file needs: the save succeeds.
        try withWriteBudget(new.count) { try otherModel().save(to: path) }
        XCTAssertEqual(try bytes(path), new)
        XCTAssertEqual(try GSAUModel.load(from: path).parameters, try otherModel().parameters)
    }

    func testTheCAPIReportsAFullDiskAsAnIOError() throws {
        let folder = try temporaryFolder(), path = folder + "/model.gsau"
        let handle = register(try ModelHandle(try otherModel(), result: nil))
        defer { gsau_model_free(handle) }
        try model().save(to: path)
        let old = try bytes(path)
        let status = withWriteBudget(1000) { gsau_model_save(handle, path) }
        XCTAssertEqual(status, GSAU_E_IO)
        let message = String(cString: gsau_last_error_message())
        XCTAssertTrue(message.hasPrefix("gsau_model_save: ") && message.contains("No space left on device"), message)
        XCTAssertEqual(try bytes(path), old)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["model.gsau"])
        XCTAssertEqual(gsau_model_save(handle, path), GSAU_OK)
        XCTAssertEqual(try bytes(path), try otherModel().serialized())
    }

    func testTrainingStateScoreFileAndExportOntoAFullDiskLeaveTheOldFiles() throws {
        let folder = try temporaryFolder()
        // The training state of every epoch of a two-epoch run: the second may not replace the first.
        var c = try model().config
        c.seed = 7
        var options = TrainingOptions()
        options.epochs = 2
        let trainer = try Trainer(config: c, dataset: try model().dataset, options: options)
        var states: [TrainingState] = []
        _ = try trainer.train(savingStateTo: TrainingStateSink { states.append($0) })
        XCTAssertEqual(states.count, 2)
        let statePath = folder + "/run.gsat"
        try states[0].write(to: statePath)
        let oldState = try bytes(statePath)
        let newState = try states[1].encoded()
        for budget in budgets(size: newState.count) {
            XCTAssertThrowsError(try withWriteBudget(budget) { try states[1].write(to: statePath) }) { assertNoSpace($0) }
            XCTAssertEqual(try bytes(statePath), oldState, "budget \(budget)")
        }
        XCTAssertEqual(try TrainingState.read(from: statePath).progress.nextEpoch, states[0].progress.nextEpoch)

        // A score file streamed block by block, and the safetensors export.
        let engine = try QueryEngine(model: try model())
        let scorePath = folder + "/scores.jsonl", exportPath = folder + "/tables.safetensors"
        try engine.writeScores(to: .file(scorePath), count: 3)
        try model().exportScoringTables(to: exportPath)
        let oldScores = try bytes(scorePath), oldExport = try bytes(exportPath)
        for budget in [0, 100, oldScores.count - 1] {
            XCTAssertThrowsError(try withWriteBudget(budget) { try engine.writeScores(to: .file(scorePath), count: 5) }) { assertNoSpace($0) }
            XCTAssertEqual(try bytes(scorePath), oldScores, "budget \(budget)")
            XCTAssertThrowsError(try withWriteBudget(budget) { try otherModel().exportScoringTables(to: exportPath) }) { assertNoSpace($0) }
            XCTAssertEqual(try bytes(exportPath), oldExport, "budget \(budget)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder).sorted(),
                       ["run.gsat", "scores.jsonl", "tables.safetensors"])
    }

    func testConcurrentSavesToOnePathNeverMixTheirBytes() throws {
        // Two threads saving different models to one path: each uses its own temporary file, so
        // the file is always one of the two models, whole.
        let folder = try temporaryFolder(), path = folder + "/model.gsau"
        let models = [try model(), try otherModel()]
        let files = try models.map { try $0.serialized() }
        let failures = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 2) { k in
            for _ in 0..<20 {
                do { try models[k].save(to: path) } catch { failures.add(1, ordering: .relaxed) }
            }
        }
        XCTAssertEqual(failures.load(ordering: .relaxed), 0)
        XCTAssertTrue(files.contains(try bytes(path)))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["model.gsau"])
    }
}
