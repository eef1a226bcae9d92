import XCTest
@testable import GSAU

/// Finite-difference check of the WHOLE loss (both encoders, every term, dropout on with a fixed
/// seed) on a tiny model, through the Float64 instantiation of the same code.
/// Central differences with step 1e-6; |analytic − numeric| ≤ 1e-7 + 1e-5·|numeric| on 400
/// coordinates spread evenly over the parameter buffer (every tensor is hit).
final class ObjectiveGradientTests: XCTestCase {
    func check(_ variant: Variant, dropout: Double, sampledNegatives: Int = 0, logitScale: Double? = nil,
               file: StaticString = #filePath, line: UInt = #line) throws {
        let fixture = try TinyObjectiveFixture(variant, dropout: dropout, sampledNegatives: sampledNegatives,
                                               logitScale: logitScale)
        XCTAssertEqual(fixture.sequenceBatch.negatives.count, sampledNegatives, file: file, line: line)
        let (config, layout, network, graphBatch) = (fixture.config, fixture.layout, fixture.network, fixture.graphBatch)
        let x = fixture.parameters()
        var seq = fixture.sequenceBatch
        var perm = fixture.derangement
        if config.sequentialEncoder == .bert4rec {
            // Fixed cloze masks: several masked positions per input, the mask token in the inputs.
            var maskRNG = RandomGenerator(seed: 3)
            applyClozeMask(to: &seq, maskToken: Int32(layout.itemCount), ratio: 0.5, finetuneRatio: 0,
                           maxMasked: 2, rng: &maskRNG)
            XCTAssertGreaterThanOrEqual(seq.count, 4, file: file, line: line)
            perm = (1...seq.count).map { Int32($0 % seq.count) }     // a cyclic shift: a derangement
        }

        func loss(_ params: [Double], gradients: UnsafeMutablePointer<Double>) throws -> Double {
            var rng = RandomGenerator(seed: 99)          // the same dropout masks on every call
            return try params.withUnsafeBufferPointer { p in
                try network.objective.lossAndGradients(parameters: p.baseAddress!, gradients: gradients,
                                                       graphBatch: graphBatch, sequenceBatch: seq, derangement: perm,
                                                       training: true, rng: &rng).total
            }
        }
        var analytic = [Double](repeating: 0, count: layout.count)
        _ = try analytic.withUnsafeMutableBufferPointer { try loss(x, gradients: $0.baseAddress!) }
        let scratch = UnsafeMutablePointer<Double>.allocate(capacity: layout.count)
        defer { scratch.deallocate() }
        let numeric = GradientCheck.numeric(x, limit: 400) { try! loss($0, gradients: scratch) }
        GradientCheck.assertClose(analytic: analytic, numeric: numeric, "\(variant) dropout \(dropout)", file: file, line: line)
        // Every tensor got a non-zero gradient somewhere (the check covers real paths).
        for slot in layout.slots where !slot.name.hasSuffix("key.bias") {
            XCTAssertTrue(analytic[slot.offset..<(slot.offset + slot.count)].contains { $0 != 0 }, "\(slot.name) has no gradient",
                          file: file, line: line)
        }
    }

    func testGSAURecWithDropout() throws { try check(.gsauRec, dropout: 0.3) }
    func testGSAUAlignment() throws { try check(.gsau, dropout: 0) }
    func testSASRecU() throws { try check(.sasrecU, dropout: 0.2) }
    func testDirectAU() throws { try check(.directau, dropout: 0) }
    func testGraphAUPerLayer() throws { try check(.graphau, dropout: 0) }
    func testWithoutUserItemUniformity() throws { try check(.gsauRecNoUI, dropout: 0) }
    func testWithoutGraph() throws { try check(.gsauRecNoGraph, dropout: 0.2) }
    func testPlainSASRecCrossEntropy() throws { try check(.sasrec, dropout: 0.1) }
    func testLightGCNBPRWithEmbLoss() throws { try check(.lightgcn, dropout: 0) }
    func testBERT4RecCrossEntropyWithOutputBias() throws { try check(.bert4rec, dropout: 0.2) }
    func testBERT4RecAlignmentUniformity() throws { try check(.bert4recU, dropout: 0.2) }
    func testGSAURecWithBERT4RecEncoder() throws { try check(.gsauRecBERT4Rec, dropout: 0) }
    func testBERT4RecEncoderWithoutGraph() throws { try check(.gsauRecBERT4RecNoGraph, dropout: 0.2) }
    // The sampled softmax (docs/MODEL.md §4.8): 6 of tiny.txt's 20 items per step.
    func testGSAURecSampledSoftmax() throws { try check(.gsauRec, dropout: 0.3, sampledNegatives: 6) }
    func testSASRecSampledSoftmax() throws { try check(.sasrec, dropout: 0.1, sampledNegatives: 6) }
    func testBERT4RecSampledSoftmaxWithOutputBias() throws { try check(.bert4rec, dropout: 0.2, sampledNegatives: 6) }
    // The logit scale (docs/MODEL.md §4.9), full and sampled softmax.
    func testGSAURecLogitScale() throws { try check(.gsauRec, dropout: 0.3, logitScale: 4) }
    func testGSAURecLogitScaleSampledSoftmax() throws { try check(.gsauRec, dropout: 0.3, sampledNegatives: 6, logitScale: 4) }
}
