import XCTest
@testable import GSAU

/// BERT4Rec's inputs: the cloze masking of training batches (RecBole's MaskItemSequence) and the
/// prediction input (RecBole's reconstruct_test_data), with known answers.
final class BERT4RecInputTests: XCTestCase {
    private let mask: Int32 = 100

    private func batch(_ sequences: [[Int32]]) -> SequenceBatch {
        var b = SequenceBatch()
        for s in sequences { b.inputs.append(s, maxLength: 50); b.targets.append(99) }
        return b
    }

    func testFinetuneBatchMasksOnlyTheLastItemsAndDropsPositionZero() {
        var b = batch([[5, 6, 7], [8], [9, 10]])
        var rng = RandomGenerator(seed: 1)
        applyClozeMask(to: &b, maskToken: mask, ratio: 0.2, finetuneRatio: 1, maxMasked: 10, rng: &rng)
        XCTAssertEqual(b.inputs.items, [5, 6, mask, mask, 9, mask])
        // The single-item input is masked at position 0, which never enters the loss.
        XCTAssertEqual(b.readTokens, [2, 5])
        XCTAssertEqual(b.targets, [7, 10])
    }

    func testRandomMasksKeepTheLastMaxMaskedPositions() {
        let items: [Int32] = Array(1...20)
        var b = batch([items])
        var rng = RandomGenerator(seed: 2)
        applyClozeMask(to: &b, maskToken: mask, ratio: 1, finetuneRatio: 0, maxMasked: 3, rng: &rng)
        XCTAssertEqual(b.inputs.items, [Int32](repeating: mask, count: 20))   // all stay masked in the input
        XCTAssertEqual(b.readTokens, [17, 18, 19])                          // only the last 3 are read
        XCTAssertEqual(b.targets, [18, 19, 20])
    }

    func testMaskRateMatchesTheRatio() {
        var b = batch((0..<400).map { _ in Array(Int32(1)...Int32(30)) })
        var rng = RandomGenerator(seed: 3)
        applyClozeMask(to: &b, maskToken: mask, ratio: 0.2, finetuneRatio: 0, maxMasked: 30, rng: &rng)
        let masked = b.inputs.items.filter { $0 == mask }.count
        XCTAssertEqual(Double(masked) / 12_000, 0.2, accuracy: 0.015)
        // Every read token holds the mask and its target is the item that was there.
        for (t, target) in zip(b.readTokens, b.targets) {
            XCTAssertEqual(b.inputs.items[Int(t)], mask)
            XCTAssertEqual(target, Int32(Int(t) % 30 + 1))
        }
    }

    func testPredictionInputDropsTheOldestItemAndAppendsTheMask() throws {
        var config = ModelConfig(variant: .bert4recU)
        config.maxSequenceLength = 4
        let layout = ParameterLayout(config: config, userCount: 3, itemCount: 10)
        let encoder = SequenceEncoder<Float>(config: config, layout: layout)
        var packed = PackedSequences()
        encoder.appendPredictionInput([1, 2, 3] as [Int32], to: &packed)
        encoder.appendPredictionInput([1, 2, 3, 4, 5, 6] as [Int32], to: &packed)   // window 3,4,5,6
        encoder.appendPredictionInput([7] as [Int32], to: &packed)
        XCTAssertEqual(packed.items, [2, 3, 10, 4, 5, 6, 10, 10])
        XCTAssertEqual(packed.positions, [0, 1, 2, 0, 1, 2, 3, 0])
        XCTAssertEqual(packed.offsets, [0, 3, 7, 8])
        // The mask token is the row right after the item table.
        XCTAssertEqual(layout.maskToken, layout.itemTable + 10 * config.embeddingSize)
    }

    func testBERT4RecModelsSaveLoadAndScoreTheSame() throws {
        let ds = try Dataset.load(path: TestFiles.fixture("tiny.txt"))
        for variant in [Variant.bert4rec, .gsauRecBERT4Rec] {
            var c = ModelConfig(variant: variant)
            c.useTinyFixtureSizes()
            var o = TrainingOptions(); o.epochs = 1
            let (model, _) = try Trainer(config: c, dataset: ds, options: o).train()
            let loaded = try GSAUModel.deserialize(try model.serialized(), source: "mem")
            XCTAssertEqual(loaded.config, model.config)
            XCTAssertEqual(loaded.parameters, model.parameters)
            XCTAssertEqual(try loaded.recommend(user: "1", count: 5).map(\.item), try model.recommend(user: "1", count: 5).map(\.item))
        }
    }
}
