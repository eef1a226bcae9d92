import XCTest
@testable import GSAU

/// `LossTerms.sequenceRepresentationsCollapsed` against uniformity values computed by the kernel
/// for a spread batch and a collapsed one (unit vectors with small perturbations of one point).
final class CollapseDetectionTests: XCTestCase {
    /// `b` unit vectors: e₁ plus uniform noise of the given size in every coordinate, normalised.
    private func unitRows(_ b: Int, _ d: Int, spread: Double, seed: UInt64) -> [Double] {
        var rng = RandomGenerator(seed: seed)
        var x = [Double](repeating: 0, count: b * d)
        for r in 0..<b {
            for c in 0..<d { x[r * d + c] = (c == 0 ? 1 : 0) + spread * Double.random(in: -1...1, using: &rng) }
            let norm = (0..<d).map { x[r * d + $0] * x[r * d + $0] }.reduce(0, +).squareRoot()
            for c in 0..<d { x[r * d + c] /= norm }
        }
        return x
    }

    private func uniformity(_ x: [Double], rows b: Int, width d: Int) throws -> Double {
        var workspace = [Double](repeating: 0, count: uniformityWorkspaceSize(rows: b))
        return try x.withUnsafeBufferPointer { xp in try workspace.withUnsafeMutableBufferPointer { wp in
            try uniformityForward(x: xp.baseAddress!, rows: b, width: d, workspace: wp.baseAddress!)
        } }
    }

    func testSpreadBatchIsNotCollapsed() throws {
        let u = try uniformity(unitRows(256, 64, spread: 10, seed: 1), rows: 256, width: 64)
        XCTAssertLessThan(u, -3)   // near-uniform unit vectors in 64-d: about −4
        XCTAssertFalse(terms(.sequentialUniformSequence, u).sequenceRepresentationsCollapsed)
    }

    func testCollapsedBatchIsDetected() throws {
        let u = try uniformity(unitRows(256, 64, spread: 0.01, seed: 2), rows: 256, width: 64)
        XCTAssertGreaterThan(u, -0.1)
        XCTAssertTrue(terms(.sequentialUniformSequence, u).sequenceRepresentationsCollapsed)
    }

    func testThresholdAndVariantsWithoutTheTerm() {
        XCTAssertTrue(terms(.sequentialUniformSequence, -0.01).sequenceRepresentationsCollapsed)   // SASRec(u), γ 0.05, Beauty
        XCTAssertFalse(terms(.sequentialUniformSequence, -1.4).sequenceRepresentationsCollapsed)   // GSAU, γ 0.1, partly shrunk
        XCTAssertFalse(terms(.sequentialCrossEntropy, 7).sequenceRepresentationsCollapsed)         // SASRec: no such term
    }

    private func terms(_ term: LossTerm, _ value: Double) -> LossTerms {
        var t = LossTerms()
        t[term] = value
        return t
    }
}
