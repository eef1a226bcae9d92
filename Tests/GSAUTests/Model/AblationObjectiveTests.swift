import XCTest
@testable import GSAU

/// The Table 2 ablations are GSAU(rec) with one part removed: on the same parameters and batches,
/// each ablation's loss terms are GSAU(rec)'s minus that part.
final class AblationObjectiveTests: XCTestCase {
    /// GSAU(rec)'s fixture parameters, by tensor name.
    private func gsauRecParameters() throws -> [String: ArraySlice<Double>] {
        let fixture = try TinyObjectiveFixture(.gsauRec, dropout: 0)
        let x = fixture.parameters()
        return Dictionary(uniqueKeysWithValues: fixture.layout.slots.map { ($0.name, x[$0.offset..<($0.offset + $0.count)]) })
    }

    /// The loss terms of `variant` with every tensor taken from `source` by name (an ablation's
    /// layout is GSAU(rec)'s or a subset of it).
    private func terms(_ variant: Variant, copying source: [String: ArraySlice<Double>]) throws -> LossTerms {
        let fixture = try TinyObjectiveFixture(variant, dropout: 0)
        var x = [Double](repeating: 0, count: fixture.layout.count)
        for slot in fixture.layout.slots {
            x.replaceSubrange(slot.offset..<(slot.offset + slot.count), with: try XCTUnwrap(source[slot.name], slot.name))
        }
        var gradients = [Double](repeating: 0, count: fixture.layout.count)
        var rng = RandomGenerator(seed: 1)
        return try x.withUnsafeBufferPointer { p in
            try gradients.withUnsafeMutableBufferPointer { g in
                try fixture.network.objective.lossAndGradients(parameters: p.baseAddress!, gradients: g.baseAddress!,
                                                               graphBatch: fixture.graphBatch, sequenceBatch: fixture.sequenceBatch,
                                                               derangement: fixture.derangement, training: true, rng: &rng)
            }
        }
    }

    func testWithoutGraphIsGSAURecMinusTheGraphTerms() throws {
        let parameters = try gsauRecParameters()
        let full = try terms(.gsauRec, copying: parameters)
        let noGraph = try terms(.gsauRecNoGraph, copying: parameters)
        let gamma = ModelConfig(variant: .gsauRec).gamma
        XCTAssertEqual(ModelConfig(variant: .gsauRecNoGraph).gamma, gamma)
        XCTAssertNil(noGraph[.graphAlign]); XCTAssertNil(noGraph[.graphUniformUser])
        XCTAssertNil(noGraph[.sequentialAlign])
        XCTAssertEqual(noGraph[.sequentialCrossEntropy]!, full[.sequentialCrossEntropy]!, accuracy: 1e-12)
        XCTAssertEqual(noGraph[.sequentialUniformSequence]!, full[.sequentialUniformSequence]!, accuracy: 1e-12)
        XCTAssertEqual(noGraph[.sequentialUniformItem]!, full[.sequentialUniformItem]!, accuracy: 1e-12)
        XCTAssertEqual(noGraph[.sequentialUniformSequenceVsItem]!, full[.sequentialUniformSequenceVsItem]!, accuracy: 1e-12)
        let graphPart = full[.graphAlign]! + gamma * (full[.graphUniformUser]! + full[.graphUniformItem]!)
        XCTAssertGreaterThan(abs(graphPart), 0.1)
        XCTAssertEqual(noGraph.total, full.total - graphPart, accuracy: 1e-10)
    }

    func testWithoutUserItemUniformityDropsOnlyThatTerm() throws {
        let parameters = try gsauRecParameters()
        let full = try terms(.gsauRec, copying: parameters)
        let noUI = try terms(.gsauRecNoUI, copying: parameters)
        let gamma = ModelConfig(variant: .gsauRec).gamma
        XCTAssertNil(noUI[.sequentialUniformSequenceVsItem])
        XCTAssertEqual(noUI[.graphAlign]!, full[.graphAlign]!, accuracy: 1e-12)
        XCTAssertEqual(noUI[.sequentialCrossEntropy]!, full[.sequentialCrossEntropy]!, accuracy: 1e-12)
        XCTAssertGreaterThan(abs(full[.sequentialUniformSequenceVsItem]!), 0.1)
        XCTAssertEqual(noUI.total, full.total - gamma * full[.sequentialUniformSequenceVsItem]!, accuracy: 1e-10)
    }
}
