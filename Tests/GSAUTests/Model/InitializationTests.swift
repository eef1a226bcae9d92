import XCTest
@testable import GSAU

/// The initial parameters (docs/MODEL.md §3.2). The parity fixtures start from the reference's own
/// parameters, so they do not check the initialiser; these tests do, at Beauty's sizes, against
/// the std table of the spec.
final class InitializationTests: XCTestCase {
    /// Beauty, PAD rows included.
    let users = 22_364, items = 12_102

    func initialized(_ variant: Variant) -> (ParameterLayout, [Double]) {
        let config = ModelConfig(variant: variant)
        let layout = ParameterLayout(config: config, userCount: users, itemCount: items)
        var values = [Double](repeating: .nan, count: layout.count)
        var rng = RandomGenerator(seed: 2020)
        values.withUnsafeMutableBufferPointer {
            layout.initialize($0.baseAddress!, rng: &rng, scheme: config.initialization)
        }
        return (layout, values)
    }

    func tensor(_ name: String, _ layout: ParameterLayout, _ values: [Double]) -> ArraySlice<Double> {
        guard let slot = layout.slot(named: name) else { XCTFail("no slot \(name)"); return [] }
        return values[slot.offset..<(slot.offset + slot.count)]
    }

    func meanAndStd(_ x: ArraySlice<Double>) -> (Double, Double) {
        let mean = x.reduce(0, +) / Double(x.count)
        let variance = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.count)
        return (mean, variance.squareRoot())
    }

    /// Xavier-normal everywhere in GSAU(rec): the spec's std per tensor, to within 4% (the
    /// smallest tensor, 64 × 64, has a sampling error of about 1.1%).
    func testGSAURecWeightsAreXavierNormalWithTheSpecsStd() {
        let (layout, values) = initialized(.gsauRec)
        let layer = "sequential_encoder.trm_encoder.layer.0."
        let expected: [(String, Double)] = [
            ("embedding_layer.user_embedding.weight", 0.00944),
            ("embedding_layer.item_embedding.weight", 0.01282),
            ("sequential_encoder.position_embedding.weight", 0.1325),
            (layer + "multi_head_attention.query.weight", 0.125),
            (layer + "multi_head_attention.key.weight", 0.125),
            (layer + "multi_head_attention.value.weight", 0.125),
            (layer + "multi_head_attention.dense.weight", 0.125),
            (layer + "feed_forward.dense_1.weight", 0.0791),
            (layer + "feed_forward.dense_2.weight", 0.0791),
        ]
        for (name, std) in expected {
            let (m, s) = meanAndStd(tensor(name, layout, values))
            XCTAssertEqual(s, std, accuracy: 0.04 * std, name)
            XCTAssertEqual(m, 0, accuracy: 0.1 * std, name)
        }
    }

    /// PAD rows are drawn too (only lookups of index 0 get no gradient), biases are 0 and
    /// LayerNorms start as the identity; nothing is left unset.
    func testPadRowsBiasesAndLayerNorms() {
        let (layout, values) = initialized(.gsauRec)
        XCTAssertFalse(values.contains { $0.isNaN }, "every parameter is set")
        let d = ModelConfig(variant: .gsauRec).embeddingSize
        for table in ["embedding_layer.user_embedding.weight", "embedding_layer.item_embedding.weight"] {
            XCTAssertTrue(tensor(table, layout, values).prefix(d).allSatisfy { $0 != 0 }, "\(table) row 0")
        }
        for slot in layout.slots where slot.shape.count == 1 {
            let x = tensor(slot.name, layout, values)
            let value: Double = slot.name.hasSuffix("LayerNorm.weight") ? 1 : 0
            XCTAssertTrue(x.allSatisfy { $0 == value }, slot.name)
        }
    }

    /// Stock SASRec keeps its own N(0, 0.02); stock LightGCN is Xavier-uniform, bounded by
    /// √(6 / (fan_in + fan_out)) with the uniform distribution's std bound / √3.
    func testStockBaselinesUseTheirOwnInit() {
        let (sasrec, sasrecValues) = initialized(.sasrec)
        let (_, s) = meanAndStd(tensor("embedding_layer.item_embedding.weight", sasrec, sasrecValues))
        XCTAssertEqual(s, 0.02, accuracy: 0.0004)

        let (lightgcn, lightgcnValues) = initialized(.lightgcn)
        let usersTable = tensor("embedding_layer.user_embedding.weight", lightgcn, lightgcnValues)
        let d = ModelConfig(variant: .lightgcn).embeddingSize
        let bound = (6 / Double(users + d)).squareRoot()  // fan_in d, fan_out users
        XCTAssertTrue(usersTable.allSatisfy { abs($0) <= bound })
        XCTAssertEqual(meanAndStd(usersTable).1, bound / Double(3).squareRoot(), accuracy: 0.01 * bound)
    }
}
