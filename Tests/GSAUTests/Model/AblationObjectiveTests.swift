import XCTest
@testable import GSAU

/// The Table 2 ablations are GSAU(rec) with one part removed: on the same parameters and batches,
/// each ablation's loss terms are GSAU(rec)'s minus that part.
final class AblationObjectiveTests: XCTestCase {
    private func terms(_ variant: Variant, copying source: [String: ArraySlice<Double>]) throws -> LossTerms {
        var config = ModelConfig(variant: variant)
        config.embeddingSize = 8; config.innerSize = 12; config.maxSequenceLength = 6
        config.hiddenDropout = 0; config.attentionDropout = 0
        let dataset = try Dataset.load(path: TestFiles.fixture("tiny.txt"))
        let layout = ParameterLayout(config: config, userCount: dataset.users.count, itemCount: dataset.items.count)
        let network = try GSAUNetwork<Double>(config: config, dataset: dataset, layout: layout)
        var x = [Double](repeating: 0, count: layout.count)
        for slot in layout.slots {
            let values = try XCTUnwrap(source[slot.name], slot.name)
            x.replaceSubrange(slot.offset..<(slot.offset + slot.count), with: values)
        }
        var seq = SequenceBatch()
        for (u, k) in [(1, 3), (3, 8), (5, 2), (9, 5), (12, 4)] {
            let items = Array(dataset.items(ofUser: Int32(u)))
            seq.inputs.append(items[0..<k], maxLength: config.maxSequenceLength)
            seq.targets.append(items[k])
        }
        let graphBatch = GraphBatch(users: [1, 2, 3, 5, 8, 2], items: [1, 7, 12, 19, 20, 9], negatives: [])
        var gradients = [Double](repeating: 0, count: layout.count)
        var rng = RandomGenerator(seed: 1)
        return try x.withUnsafeBufferPointer { p in
            try gradients.withUnsafeMutableBufferPointer { g in
                try network.objective.lossAndGradients(parameters: p.baseAddress!, gradients: g.baseAddress!,
                                                       graphBatch: graphBatch, sequenceBatch: seq, derangement: [2, 0, 4, 1, 3],
                                                       training: true, rng: &rng)
            }
        }
    }

    /// GSAU(rec)'s parameters (Xavier draw, scaled up so that no term is near zero), by name.
    private func gsauRecParameters() throws -> [String: ArraySlice<Double>] {
        var config = ModelConfig(variant: .gsauRec)
        config.embeddingSize = 8; config.innerSize = 12; config.maxSequenceLength = 6
        let dataset = try Dataset.load(path: TestFiles.fixture("tiny.txt"))
        let layout = ParameterLayout(config: config, userCount: dataset.users.count, itemCount: dataset.items.count)
        var rng = RandomGenerator(seed: 11)
        var x = [Double](repeating: 0, count: layout.count)
        x.withUnsafeMutableBufferPointer { layout.initialize($0.baseAddress!, rng: &rng) }
        for i in 0..<x.count { x[i] *= 4 }
        return Dictionary(uniqueKeysWithValues: layout.slots.map { ($0.name, x[$0.offset..<($0.offset + $0.count)]) })
    }

    func testWithoutGraphIsGSAURecMinusTheGraphTerms() throws {
        let parameters = try gsauRecParameters()
        let full = try terms(.gsauRec, copying: parameters)
        let noGraph = try terms(.gsauRecNoGraph, copying: parameters)
        let gamma = ModelConfig(variant: .gsauRec).gamma
        XCTAssertEqual(ModelConfig(variant: .gsauRecNoGraph).gamma, gamma)
        XCTAssertNil(noGraph.graphAlign); XCTAssertNil(noGraph.graphUniformUser)
        XCTAssertNil(noGraph.sequentialAlign)
        XCTAssertEqual(noGraph.sequentialCrossEntropy!, full.sequentialCrossEntropy!, accuracy: 1e-12)
        XCTAssertEqual(noGraph.sequentialUniformSequence!, full.sequentialUniformSequence!, accuracy: 1e-12)
        XCTAssertEqual(noGraph.sequentialUniformItem!, full.sequentialUniformItem!, accuracy: 1e-12)
        XCTAssertEqual(noGraph.sequentialUniformSequenceVsItem!, full.sequentialUniformSequenceVsItem!, accuracy: 1e-12)
        let graphPart = full.graphAlign! + gamma * (full.graphUniformUser! + full.graphUniformItem!)
        XCTAssertGreaterThan(abs(graphPart), 0.1)
        XCTAssertEqual(noGraph.total, full.total - graphPart, accuracy: 1e-10)
    }

    func testWithoutUserItemUniformityDropsOnlyThatTerm() throws {
        let parameters = try gsauRecParameters()
        let full = try terms(.gsauRec, copying: parameters)
        let noUI = try terms(.gsauRecNoUI, copying: parameters)
        let gamma = ModelConfig(variant: .gsauRec).gamma
        XCTAssertNil(noUI.sequentialUniformSequenceVsItem)
        XCTAssertEqual(noUI.graphAlign!, full.graphAlign!, accuracy: 1e-12)
        XCTAssertEqual(noUI.sequentialCrossEntropy!, full.sequentialCrossEntropy!, accuracy: 1e-12)
        XCTAssertGreaterThan(abs(full.sequentialUniformSequenceVsItem!), 0.1)
        XCTAssertEqual(noUI.total, full.total - gamma * full.sequentialUniformSequenceVsItem!, accuracy: 1e-10)
    }
}
