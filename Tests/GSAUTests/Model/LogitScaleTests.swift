import Foundation
import XCTest
@testable import GSAU

/// The opt-in logit scale of the normalised cross-entropy (docs/MODEL.md §4.9) in the objective:
/// s = 1 is the paper's loss bit for bit, s ≠ 1 is the cross-entropy of s·ŝ·Eᵀ, and the other
/// losses refuse it. (Its gradients: ObjectiveGradientTests; exact resume: ResumeTests;
/// checkpoints: LogitScaleTrainingTests; the full run at 1: the golden record.)
final class LogitScaleTests: XCTestCase {
    /// The whole loss and its gradient for the fixture's batches at `x` (dropout 0).
    private func lossAndGradient(_ fixture: TinyObjectiveFixture, at x: [Double]) throws -> (terms: LossTerms, gradient: [Double]) {
        var gradient = [Double](repeating: 0, count: fixture.layout.count)
        var rng = RandomGenerator(seed: 99)
        let terms = try x.withUnsafeBufferPointer { p in
            try gradient.withUnsafeMutableBufferPointer { g in
                try fixture.network.objective.lossAndGradients(
                    parameters: p.baseAddress!, gradients: g.baseAddress!, graphBatch: fixture.graphBatch,
                    sequenceBatch: fixture.sequenceBatch, derangement: fixture.derangement, training: true, rng: &rng)
            }
        }
        return (terms, gradient)
    }

    func testScaleOneIsTheUnscaledLossBitForBit() throws {
        for sampled in [0, 6] {
            let unset = try TinyObjectiveFixture(.gsauRec, dropout: 0, sampledNegatives: sampled)
            let one = try TinyObjectiveFixture(.gsauRec, dropout: 0, sampledNegatives: sampled, logitScale: 1)
            let two = try TinyObjectiveFixture(.gsauRec, dropout: 0, sampledNegatives: sampled, logitScale: 2)
            XCTAssertEqual(unset.config.logitScale, 1, "the default")
            let x = unset.parameters()
            let (a, b, c) = (try lossAndGradient(unset, at: x), try lossAndGradient(one, at: x), try lossAndGradient(two, at: x))
            XCTAssertEqual(a.terms.total.bitPattern, b.terms.total.bitPattern, "K \(sampled)")
            XCTAssertEqual(a.gradient.map(\.bitPattern), b.gradient.map(\.bitPattern), "K \(sampled)")
            // The scale reaches the cross-entropy term and its gradient, and nothing else.
            let ce1 = try XCTUnwrap(a.terms[.sequentialCrossEntropy]), ce2 = try XCTUnwrap(c.terms[.sequentialCrossEntropy])
            XCTAssertGreaterThan(abs(ce1 - ce2), 1e-3, "K \(sampled)")
            XCTAssertNotEqual(a.gradient, c.gradient, "K \(sampled)")
            for term in LossTerm.allCases where term != .sequentialCrossEntropy {
                XCTAssertEqual(a.terms[term], c.terms[term], "\(term) K \(sampled)")
            }
        }
    }

    func testTheScaledTermIsTheCrossEntropyOfScaledLogits() throws {
        // CE(s·ŝ·Eᵀ, y) computed here from the encoder's output h and the item table, at s = 2
        // and, to show the check tells them apart, at s = 1.
        func handCrossEntropy(_ fixture: TinyObjectiveFixture, x: [Double], scale: Double) -> Double {
            let d = fixture.config.embeddingSize, items = fixture.layout.itemCount, rows = fixture.sequenceBatch.count
            let h = fixture.network.objective.lastSequenceOutput(rows: rows)
            var sum = 0.0
            for b in 0..<rows {
                let row = h[(b * d)..<((b + 1) * d)]
                let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
                let logits = (0..<items).map { j -> Double in
                    var dot = 0.0
                    for (c, v) in row.enumerated() { dot += v / norm * x[fixture.layout.itemTable + j * d + c] }
                    return scale * dot
                }
                let top = logits.max() ?? 0
                let logSumExp = top + log(logits.reduce(0) { $0 + exp($1 - top) })
                sum += logSumExp - logits[Int(fixture.sequenceBatch.targets[b])]
            }
            return sum / Double(rows)
        }
        let fixture = try TinyObjectiveFixture(.gsauRecNoGraph, dropout: 0, logitScale: 2)
        let x = fixture.parameters()
        let ce = try XCTUnwrap(try lossAndGradient(fixture, at: x).terms[.sequentialCrossEntropy])
        XCTAssertEqual(ce, handCrossEntropy(fixture, x: x, scale: 2), accuracy: 1e-12)
        XCTAssertGreaterThan(abs(ce - handCrossEntropy(fixture, x: x, scale: 1)), 1e-3)
    }

    func testOnlyTheNormalisedCrossEntropyTakesAScale() throws {
        for variant in Variant.allCases {
            var c = ModelConfig(variant: variant)
            c.logitScale = 2
            if c.useSequential && c.sequentialLoss == .normalizedCrossEntropy {
                XCTAssertNoThrow(try c.validate(), "\(variant)")
            } else {
                XCTAssertThrowsError(try c.validate(), "\(variant)") {
                    XCTAssertTrue("\($0)".contains("logit_scale"), "\($0)")
                }
            }
        }
        for variant in [Variant.sasrec, .gsau, .bert4rec, .lightgcn] {      // named in the brief of §4.9
            XCTAssertThrowsError(try ModelConfig.resolved(variant: variant, overrides: [("logit_scale", .float(0.5))]), "\(variant)")
            XCTAssertNoThrow(try ModelConfig.resolved(variant: variant, overrides: [("logit_scale", .float(1))]), "\(variant)")
        }
    }

    func testScalesThatAreNotFinitePositiveNumbersAreRefused() {
        for bad in [0, -1, -.infinity, .infinity, .nan] as [Double] {
            XCTAssertThrowsError(try ModelConfig.resolved(variant: .gsauRec, overrides: [("logit_scale", .float(bad))]), "\(bad)") {
                XCTAssertTrue("\($0)".contains("logit_scale"), "\($0)")
            }
        }
        XCTAssertEqual(try ModelConfig.resolved(variant: .gsauRecBERT4Rec, overrides: [("logit_scale", .float(10))]).logitScale, 10)
    }
}
