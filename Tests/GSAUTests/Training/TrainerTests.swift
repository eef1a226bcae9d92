import Foundation
import XCTest
@testable import GSAU

final class TrainerTests: XCTestCase {
    func testScheduleWrapsTheSequentialStream() {
        let both = EpochSchedule(graphBatches: 5, sequentialBatches: 3)
        XCTAssertEqual(both.steps, 5)
        XCTAssertEqual((0..<5).map { both.graphBatch($0) }, [0, 1, 2, 3, 4])
        XCTAssertEqual((0..<5).map { both.sequentialBatch($0)!.index }, [0, 1, 2, 0, 1])
        XCTAssertEqual((0..<5).map { both.sequentialBatch($0)!.newPass }, [true, false, false, true, false])
        let sequentialOnly = EpochSchedule(graphBatches: nil, sequentialBatches: 3)
        XCTAssertEqual(sequentialOnly.steps, 3)
        XCTAssertNil(sequentialOnly.graphBatch(0))
        let graphOnly = EpochSchedule(graphBatches: 4, sequentialBatches: nil)
        XCTAssertEqual(graphOnly.steps, 4)
        XCTAssertNil(graphOnly.sequentialBatch(0))
    }

    func testBeautyEpochIs301StepsWith44WrappedSequentialBatches() throws {
        let ds = try Dataset.load(path: TestFiles.data("beauty.txt"))
        let streams = TrainingStreams(dataset: ds, batchSize: 512, maxLength: 50)
        XCTAssertEqual(streams.graphRows, 153_776)
        XCTAssertEqual(streams.sequentialRows, 131_413)
        XCTAssertEqual(streams.batchCount(rows: streams.graphRows), 301)
        XCTAssertEqual(streams.batchCount(rows: streams.sequentialRows), 257)
        XCTAssertEqual(streams.batchRange(300, rows: streams.graphRows).count, 176)      // last partial batch kept
        XCTAssertEqual(streams.batchRange(256, rows: streams.sequentialRows).count, 341)
        let schedule = EpochSchedule(graphBatches: 301, sequentialBatches: 257)
        XCTAssertEqual((0..<301).filter { schedule.sequentialBatch($0)!.index < 44 && $0 >= 257 }.count, 44)
    }

    func testTrailingSingleRowBatchIsDropped() {
        let streams = TrainingStreams(dataset: try! Dataset.load(path: TestFiles.fixture("tiny.txt")), batchSize: 16, maxLength: 8)
        XCTAssertEqual(streams.batchCount(rows: 33), 2)   // 16 + 16 + 1: the single row is dropped
        XCTAssertEqual(streams.batchCount(rows: 34), 3)
        XCTAssertEqual(streams.graphRows, 156)
        XCTAssertEqual(streams.sequentialRows, 132)
    }

    func testSequentialExamplesArePrefixesWithASlidingWindow() throws {
        let ds = try Dataset.load(path: try TestFiles.temporary("u 1 2 3 4 5 6 7\n", suffix: ".txt"))
        let streams = TrainingStreams(dataset: ds, batchSize: 8, maxLength: 3)
        XCTAssertEqual(streams.sequentialRows, 4)                  // targets i_1..i_{n-3}
        var batch = SequenceBatch()
        streams.sequenceBatch(0..<4, order: [0, 1, 2, 3], into: &batch)
        func tokens(_ ids: [Int32]) -> [String] { ids.map { ds.items.token(of: $0)! } }
        XCTAssertEqual(tokens(batch.targets), ["2", "3", "4", "5"])
        XCTAssertEqual(tokens(batch.inputs.items), ["1", "1", "2", "1", "2", "3", "2", "3", "4"])
        XCTAssertEqual(batch.inputs.offsets, [0, 1, 3, 6, 9])
        XCTAssertEqual(batch.inputs.positions, [0, 0, 1, 0, 1, 2, 0, 1, 2])
        var graph = GraphBatch()
        streams.graphBatch(0..<streams.graphRows, order: (0..<Int32(streams.graphRows)).reversed(), into: &graph)
        XCTAssertEqual(tokens(graph.items), ["5", "4", "3", "2", "1"])
    }

    func testEarlyStoppingRoundsAndCountsTiesAsImprovement() {
        var s = EarlyStopping(patience: 2, decimals: 4)
        XCTAssertEqual(s.update(0.10001).improved, true)
        let tie = s.update(0.09996)                              // rounds to 0.1000: a tie, which counts
        XCTAssertEqual(tie.rounded, 0.1)
        XCTAssertTrue(tie.improved); XCTAssertFalse(tie.stop)
        XCTAssertEqual(s.update(0.0990).stop, false)             // 1 without improvement
        XCTAssertEqual(s.update(0.0995).stop, false)             // 2
        let third = s.update(0.09)                               // 3 > patience: stop
        XCTAssertFalse(third.improved); XCTAssertTrue(third.stop)
        var zero = EarlyStopping(patience: 0, decimals: 4)
        _ = zero.update(0.5)
        XCTAssertTrue(zero.update(0.4).stop)
    }

    private func smallConfig(_ variant: Variant, seed: UInt64 = 7) -> ModelConfig {
        var c = ModelConfig(variant: variant)
        c.useTinyFixtureSizes(); c.seed = seed
        return c
    }

    func testSameSeedSameNumbersAndOtherSeedOtherNumbers() throws {
        let ds = try Dataset.load(path: TestFiles.fixture("tiny.txt"))
        var options = TrainingOptions()
        options.epochs = 2
        func run(_ seed: UInt64) throws -> ([Double], [Float]) {
            let (model, result) = try Trainer(config: smallConfig(.gsauRec, seed: seed), dataset: ds, options: options).train()
            return (result.history.map(\.lossSum), model.parameters)
        }
        let a = try run(7), b = try run(7), c = try run(8)
        XCTAssertEqual(a.0, b.0)
        XCTAssertEqual(a.1, b.1)
        XCTAssertNotEqual(a.0, c.0)
    }

    func testEveryVariantTrainsAndEvaluates() throws {
        let ds = try Dataset.load(path: TestFiles.fixture("tiny.txt"))
        var options = TrainingOptions()
        options.epochs = 2
        for v in Variant.allCases {
            let trainer = try Trainer(config: smallConfig(v), dataset: ds, options: options)
            XCTAssertEqual(trainer.stepsPerEpoch, 5, "\(v)")   // 156 graph rows or 132 sequential rows in batches of 32
            let (_, result) = try trainer.train()
            XCTAssertEqual(result.history.count, 2, "\(v)")
            XCTAssertNotNil(result.test, "\(v)")
            XCTAssertTrue(result.history.allSatisfy { $0.lossSum.isFinite }, "\(v)")
        }
    }

    func testAbortStopsCleanlyAndKeepsAUsableModel() throws {
        let ds = try Dataset.load(path: TestFiles.fixture("tiny.txt"))
        var options = TrainingOptions()
        options.epochs = 5
        var steps = 0
        let (model, result) = try Trainer(config: smallConfig(.gsauRec), dataset: ds, options: options).train { event in
            if case .step = event { steps += 1 }
            return steps < 8                        // stop during the second epoch
        }
        XCTAssertEqual(result.stopReason, .aborted)
        XCTAssertEqual(result.history.count, 1)
        XCTAssertEqual(result.bestEpoch, 0)
        XCTAssertNotNil(result.test)
        XCTAssertEqual(try model.recommend(user: "1", count: 5).count, 5)
    }

    func testEarlyStoppingEndsARunAndResultJSONIsComplete() throws {
        let ds = try Dataset.load(path: TestFiles.fixture("tiny.txt"))
        var options = TrainingOptions()
        options.epochs = 40; options.patience = 0; options.validationMetric = "ndcg@5"
        var config = smallConfig(.sasrecU)
        config.learningRate = 0.05
        let (_, result) = try Trainer(config: config, dataset: ds, options: options).train()
        XCTAssertEqual(result.stopReason, .earlyStopped)
        XCTAssertFalse(result.history.last!.improved)
        let text = result.json.serialized()
        for key in ["\"config\"", "\"history\"", "\"best_epoch\"", "\"test\"", "\"recall@10\"", "\"seconds_per_epoch_median\"", "\"blas_core\"", "\"unrounded\""] {
            XCTAssertTrue(text.contains(key), key)
        }
        // The unrounded block holds the test metrics at full precision and the user count.
        let test = try XCTUnwrap(result.test)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let unrounded = try XCTUnwrap((json["unrounded"] as? [String: Any])?["test"] as? [String: Any])
        XCTAssertEqual(unrounded["users"] as? Int, ds.userCount)
        XCTAssertEqual(try XCTUnwrap(unrounded["ndcg@10"] as? Double), try XCTUnwrap(test["ndcg@10"]), accuracy: 1e-15)
    }

    func testInvalidConfigurationsAreRejectedWithAMessage() {
        var c = ModelConfig(variant: .gsauRec)
        c.heads = 3
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("multiple of the number of heads")) }
        c = ModelConfig(variant: .directau); c.predictWithGraph = false
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("graph-only model must predict with the graph")) }
        c = ModelConfig(); c.gamma = -1
        XCTAssertThrowsError(try c.validate())
        var o = TrainingOptions(); o.validationMetric = "auc@10"
        XCTAssertThrowsError(try o.validate()) { XCTAssertTrue("\($0)".contains("unknown validation metric")) }
    }
}

/// Training refuses, before allocating, a run that needs more memory than allowed or available
/// (the host process must not die of an allocation).
final class TrainingMemoryTests: XCTestCase {
    func testARunOverTheLimitIsRefusedBeforeAllocating() throws {
        let ds = try Dataset.load(path: TestFiles.fixture("tiny.txt"))
        var c = ModelConfig(variant: .gsauRec)
        c.useTinyFixtureSizes()
        let previous = try MemoryLimit.set(1 << 16)
        defer { _ = try? MemoryLimit.set(previous) }
        XCTAssertThrowsError(try Trainer(config: c, dataset: ds)) { error in
            guard case GSAUError.outOfMemory(let message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("the memory limit set is 0.1 MiB"), message)
        }
        try MemoryLimit.set(1 << 30)
        XCTAssertNoThrow(try Trainer(config: c, dataset: ds))
        XCTAssertThrowsError(try MemoryLimit.set(-1))
        XCTAssertEqual(MemoryLimit.current, 1 << 30)
    }

    func testSizesNoMachineHoldsAreRefusedWithoutALimit() throws {
        // 65,536-wide embeddings and a 2^20 feed-forward: terabytes, refused at once against the
        // memory available (where /proc/meminfo exists).
        guard availableMemoryBytes() != nil else { throw XCTSkip("no /proc/meminfo") }
        let ds = try Dataset.load(path: TestFiles.data("beauty-mini.txt"))
        var c = ModelConfig(variant: .gsauRec)
        c.embeddingSize = 1 << 16; c.innerSize = 1 << 20; c.heads = 1
        let started = ContinuousClock.now
        XCTAssertThrowsError(try Trainer(config: c, dataset: ds)) { error in
            guard case GSAUError.outOfMemory(let message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("the memory available now"), message)
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(5))
    }

    func testTheEstimateCoversWhatBeautySizedTrainingAllocates() throws {
        // The bench's figure for GSAU(rec) on Beauty is 253-256 MiB peak RSS (bench/results/compare-restructuring.json);
        // the estimate must not exceed a few times that, nor fall under half of it.
        let ds = try Dataset.load(path: TestFiles.data("beauty.txt"))
        let c = ModelConfig(variant: .gsauRec)
        let layout = ParameterLayout(config: c, userCount: ds.users.count, itemCount: ds.items.count)
        let mib = Double(TrainingMemory.estimate(config: c, layout: layout, dataset: ds)) / 1_048_576
        XCTAssertGreaterThan(mib, 128)
        XCTAssertLessThan(mib, 768)
    }
}
