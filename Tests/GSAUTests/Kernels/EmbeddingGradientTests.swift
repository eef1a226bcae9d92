import XCTest
@testable import GSAU

// Finite differences: central, step h = 1e-6 on the Float64 path; tolerance |a − n| ≤ 1e-7 + 1e-5·|n|.
// Loss: L = Σ r_i · out_i with fixed random r. Ids repeat, so the scatter-add must accumulate.
final class EmbeddingGradientTests: XCTestCase {
    let vocab = 6, positions = 4, dim = 3
    let ids: [Int32] = [1, 3, 3, 0, 5, 1, 3]
    let pos: [Int32] = [0, 1, 2, 3, 0, 1, 2]

    private func forward(_ table: [Double], _ posTable: [Double]?) -> [Double] {
        let Tb = KernelBuffer<Double>(table), I = KernelBuffer<Int32>(ids), P = KernelBuffer<Int32>(pos)
        let PT = posTable.map { KernelBuffer<Double>($0) }
        let out = KernelBuffer<Double>(zeros: ids.count * dim)
        embeddingForward(output: out.p, ids: I.c, table: Tb.c, count: ids.count, dim: dim,
                         positionIds: PT == nil ? nil : P.c, positionTable: PT?.c)
        return out.array
    }

    func testForwardGathersAndAddsPositions() {
        var rnd = TestRandom(seed: 40)
        let table = rnd.array(vocab * dim), posTable = rnd.array(positions * dim)
        let plain = forward(table, nil), withPos = forward(table, posTable)
        for t in 0..<ids.count { for i in 0..<dim {
            XCTAssertEqual(plain[t * dim + i], table[Int(ids[t]) * dim + i])
            XCTAssertEqual(withPos[t * dim + i], table[Int(ids[t]) * dim + i] + posTable[Int(pos[t]) * dim + i])
        } }
    }

    func testGradients() {
        var rnd = TestRandom(seed: 41)
        let table = rnd.array(vocab * dim), posTable = rnd.array(positions * dim), r = rnd.array(ids.count * dim)
        let R = KernelBuffer<Double>(r), I = KernelBuffer<Int32>(ids), P = KernelBuffer<Int32>(pos)
        let dT = KernelBuffer<Double>(zeros: vocab * dim), dP = KernelBuffer<Double>(zeros: positions * dim)
        embeddingBackward(dTable: dT.p, dOutput: R.c, ids: I.c, count: ids.count, dim: dim)
        embeddingBackward(dTable: dP.p, dOutput: R.c, ids: P.c, count: ids.count, dim: dim)
        // Row 2 and 4 are never used: their gradient is zero, which the check also verifies.
        KernelCheck.gradient("embedding dtable", analytic: dT.array, at: table) { KernelCheck.dot(r, forward($0, posTable)) }
        KernelCheck.gradient("embedding dposition", analytic: dP.array, at: posTable) { KernelCheck.dot(r, forward(table, $0)) }
    }

    func testPaddingIndexAndSharedTableAccumulation() {
        var rnd = TestRandom(seed: 42)
        let r = rnd.array(ids.count * dim)
        let R = KernelBuffer<Double>(r), I = KernelBuffer<Int32>(ids)
        let dT = KernelBuffer<Double>(zeros: vocab * dim)
        embeddingBackward(dTable: dT.p, dOutput: R.c, ids: I.c, count: ids.count, dim: dim, paddingIndex: 0)
        let once = dT.array
        XCTAssertEqual(Array(once[0..<dim]), [0, 0, 0])           // id 0 (t = 3) skipped
        // A second use of the same table adds on top of the first.
        embeddingBackward(dTable: dT.p, dOutput: R.c, ids: I.c, count: ids.count, dim: dim)
        for i in 0..<dim { XCTAssertEqual(dT.array[i], r[3 * dim + i]) }
        for k in dim..<(vocab * dim) { XCTAssertEqual(dT.array[k], 2 * once[k], accuracy: 1e-15) }
    }

    /// A table pointer offset by k rows indexes from row k on (LightGCN's item rows of the node
    /// table, the objective's scatters into d(mean)): the same rows as ids shifted by k.
    func testTableOffsetByRows() {
        var rnd = TestRandom(seed: 43)
        let offset = 2, table = rnd.array((offset + vocab) * dim), r = rnd.array(ids.count * dim)
        let Tb = KernelBuffer<Double>(table), I = KernelBuffer<Int32>(ids), R = KernelBuffer<Double>(r)
        let shifted = KernelBuffer<Int32>(ids.map { $0 + Int32(offset) })
        let a = KernelBuffer<Double>(zeros: ids.count * dim), b = KernelBuffer<Double>(zeros: ids.count * dim)
        embeddingForward(output: a.p, ids: I.c, table: Tb.c + offset * dim, count: ids.count, dim: dim)
        embeddingForward(output: b.p, ids: shifted.c, table: Tb.c, count: ids.count, dim: dim)
        XCTAssertEqual(a.array, b.array)
        let dA = KernelBuffer<Double>(zeros: (offset + vocab) * dim), dB = KernelBuffer<Double>(zeros: (offset + vocab) * dim)
        embeddingBackward(dTable: dA.p + offset * dim, dOutput: R.c, ids: I.c, count: ids.count, dim: dim)
        embeddingBackward(dTable: dB.p, dOutput: R.c, ids: shifted.c, count: ids.count, dim: dim)
        XCTAssertEqual(dA.array, dB.array)
        XCTAssertEqual(Array(dA.array[0..<(offset * dim)]), [Double](repeating: 0, count: offset * dim))
    }
}
