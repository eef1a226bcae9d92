import XCTest
@testable import GSAU

// Finite differences: central, step h = 1e-6 on the Float64 path; tolerance |a − n| ≤ 1e-7 + 1e-5·|n|.
// Loss: upstream 0.7 · weight 0.3 · ‖table[ids]‖_F, ids repeating (the repeats must accumulate) and
// leaving rows unused (their gradient must stay zero, which the check verifies too).
final class EmbLossGradientTests: XCTestCase {
    let rows = 6, d = 3
    let ids: [Int32] = [1, 3, 3, 0, 5, 1]

    private func forward(_ table: [Double], weight: Double) -> (loss: Double, norm: Double) {
        let Tb = KernelBuffer<Double>(table), I = KernelBuffer<Int32>(ids)
        return embLossForward(table: Tb.c, ids: I.c, count: ids.count, width: d, weight: weight)
    }

    func testValueIsTheWeightedFrobeniusNorm() {
        var rnd = TestRandom(seed: 90)
        let table = rnd.array(rows * d)
        var squares = 0.0
        for id in ids { for c in 0..<d { squares += table[Int(id) * d + c] * table[Int(id) * d + c] } }
        let (loss, norm) = forward(table, weight: 0.3)
        XCTAssertEqual(norm, squares.squareRoot(), accuracy: 1e-14)
        XCTAssertEqual(loss, 0.3 * norm)
    }

    func testGradient() {
        var rnd = TestRandom(seed: 91)
        let table = rnd.array(rows * d)
        let Tb = KernelBuffer<Double>(table), I = KernelBuffer<Int32>(ids), G = KernelBuffer<Double>(zeros: rows * d)
        let (_, norm) = forward(table, weight: 0.3)
        embLossBackward(table: Tb.c, ids: I.c, count: ids.count, width: d, weight: 0.3, norm: norm, upstream: 0.7, dTable: G.p)
        KernelCheck.gradient("embloss dtable", analytic: G.array, at: table) { 0.7 * self.forward($0, weight: 0.3).loss }
    }

    func testZeroBlockHasZeroGradient() {
        var table = [Double](repeating: 1, count: rows * d)
        for id in ids { for c in 0..<d { table[Int(id) * d + c] = 0 } }
        let Tb = KernelBuffer<Double>(table), I = KernelBuffer<Int32>(ids), G = KernelBuffer<Double>(zeros: rows * d)
        let (loss, norm) = forward(table, weight: 0.3)
        XCTAssertEqual(loss, 0)
        XCTAssertEqual(norm, 0)
        embLossBackward(table: Tb.c, ids: I.c, count: ids.count, width: d, weight: 0.3, norm: norm, upstream: 1, dTable: G.p)
        XCTAssertEqual(G.array, [Double](repeating: 0, count: rows * d))
    }

    /// Bit for bit the loop GSAUObjective.bprLoss computed inline before the kernel existed (Float,
    /// upstream 1): three blocks, the loss summed block by block, gradients added after a first use.
    func testReproducesTheInlineObjectiveBitwise() {
        let b = 41, d = 64, tableRows = 30
        var rnd = TestRandom(seed: 92)
        let table: [Float] = (0..<(tableRows * d)).map { _ in Float(rnd.uniform(0.2)) }
        var blocks: [[Int32]] = []
        for _ in 0..<3 { blocks.append((0..<b).map { _ in Int32((rnd.uniform() + 1) / 2 * Double(tableRows - 1)) }) }
        let start: [Float] = (0..<(tableRows * d)).map { _ in Float(rnd.uniform(0.01)) }     // an earlier use's gradient
        let weight: Float = Float(1e-5) * (1 / Float(b))
        var reference = start, referenceLoss: Float = 0
        for ids in blocks {
            var squares: Float = 0
            for id in ids { for c in 0..<d { let v = table[Int(id) * d + c]; squares += v * v } }
            let norm = Float.sqrt(squares)
            referenceLoss += weight * norm
            guard norm > 0 else { continue }
            for id in ids { for c in 0..<d { let i = Int(id) * d + c; reference[i] += weight * table[i] / norm } }
        }
        let Tb = KernelBuffer<Float>(table), G = KernelBuffer<Float>(start)
        var loss: Float = 0
        for ids in blocks {
            let I = KernelBuffer<Int32>(ids)
            let (term, norm) = embLossForward(table: Tb.c, ids: I.c, count: b, width: d, weight: weight)
            loss += term
            embLossBackward(table: Tb.c, ids: I.c, count: b, width: d, weight: weight, norm: norm, upstream: 1, dTable: G.p)
        }
        XCTAssertEqual(loss, referenceLoss)
        let got = G.array
        XCTAssertNil(got.indices.first { got[$0] != reference[$0] }, "gradients differ from the inline loop")
    }
}
