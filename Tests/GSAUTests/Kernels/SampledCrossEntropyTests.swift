import XCTest
@testable import GSAU

// The sampled softmax (docs/MODEL.md §4.8): finite differences on the Float64 path (central,
// step 1e-6; |a − n| ≤ 1e-7 + 1e-5·|n|), also with a logit scale (§4.9), its identity with the
// full softmax, accidental hits, and the sampler's distribution.
final class SampledCrossEntropyTests: XCTestCase {
    struct Problem {
        var query: [Double], table: [Double], bias: [Double]?
        var targets: [Int32], negatives: [Int32], logQ: [Double]
        let rows: Int, classes: Int, d: Int
    }

    struct Result { var loss: Double; var dQuery: [Double]; var dTable: [Double]; var dBias: [Double] }

    private func run<T: GSAUScalar>(_ p: Problem, logitScale: Double = 1, as _: T.Type = T.self) -> Result {
        let Q = KernelBuffer<T>(converting: p.query), E = KernelBuffer<T>(converting: p.table)
        let B = p.bias.map { KernelBuffer<T>(converting: $0) }, L = KernelBuffer<T>(converting: p.logQ)
        let targets = KernelBuffer<Int32>(p.targets), negatives = KernelBuffer<Int32>(p.negatives)
        // Gradients start non-zero: the kernel must accumulate.
        let dQ = KernelBuffer<T>(repeating: 0.25, count: p.query.count), dE = KernelBuffer<T>(repeating: 0.25, count: p.table.count)
        let dB = KernelBuffer<T>(repeating: 0.25, count: p.classes)
        let loss = sampledCrossEntropyForwardBackward(
            query: Q.c, table: E.c, bias: B?.c, targets: targets.c, rows: p.rows, negatives: negatives.c,
            negativeCount: p.negatives.count, dim: p.d, logExpectedCount: L.c, logitScale: T(logitScale),
            dQuery: dQ.p, dTable: dE.p, dBias: p.bias == nil ? nil : dB.p, workspace: SampledCrossEntropyWorkspace<T>())
        return Result(loss: Double(loss), dQuery: dQ.doubles.map { $0 - 0.25 }, dTable: dE.doubles.map { $0 - 0.25 },
                      dBias: dB.doubles.map { $0 - 0.25 })
    }

    /// 4 rows, 9 classes, d 5, 6 negatives with a repeat and two accidental hits (item 3 is row 1's
    /// and row 3's target); the correction differs per item.
    private func problem(bias: Bool, seed: UInt64) -> Problem {
        var rnd = TestRandom(seed: seed)
        let rows = 4, classes = 9, d = 5
        return Problem(query: rnd.array(rows * d, scale: 1.5), table: rnd.array(classes * d, scale: 1.5),
                       bias: bias ? rnd.array(classes, scale: 0.5) : nil,
                       targets: [1, 3, 8, 3], negatives: [3, 5, 2, 5, 7, 4],
                       logQ: (0..<classes).map { log(Double($0 + 1) / 4) }, rows: rows, classes: classes, d: d)
    }

    func testGradientsWithAndWithoutBias() {
        for bias in [false, true] {
            let p = problem(bias: bias, seed: bias ? 61 : 60)
            let r = run(p, as: Double.self)
            XCTAssertTrue(r.loss.isFinite)
            KernelCheck.gradient("sampled CE dquery (bias \(bias))", analytic: r.dQuery, at: p.query) {
                var q = p; q.query = $0; return self.run(q, as: Double.self).loss
            }
            KernelCheck.gradient("sampled CE dtable (bias \(bias))", analytic: r.dTable, at: p.table) {
                var q = p; q.table = $0; return self.run(q, as: Double.self).loss
            }
            if let b = p.bias {
                KernelCheck.gradient("sampled CE dbias", analytic: Array(r.dBias), at: b) {
                    var q = p; q.bias = $0; return self.run(q, as: Double.self).loss
                }
            } else {
                XCTAssertEqual(r.dBias, [Double](repeating: 0, count: p.classes), "no bias, no bias gradient")
            }
            // Items neither a target nor a negative get no gradient (0 and 6).
            for item in [0, 6] { XCTAssertEqual(Array(r.dTable[item * p.d ..< (item + 1) * p.d]), [0, 0, 0, 0, 0]) }
        }
    }

    func testGradientsWithALogitScale() {
        // s scales the dot products (not the bias or the correction): the loss is that of the query
        // s·q, and the finite differences hold for every input.
        for bias in [false, true] {
            let p = problem(bias: bias, seed: bias ? 64 : 63)
            let r = run(p, logitScale: 3, as: Double.self)
            var scaledQuery = p
            scaledQuery.query = p.query.map { 3 * $0 }
            XCTAssertEqual(r.loss, run(scaledQuery, as: Double.self).loss, accuracy: 1e-12)
            XCTAssertGreaterThan(abs(r.loss - run(p, as: Double.self).loss), 1e-3)
            KernelCheck.gradient("scaled sampled CE dquery (bias \(bias))", analytic: r.dQuery, at: p.query) {
                var q = p; q.query = $0; return self.run(q, logitScale: 3, as: Double.self).loss
            }
            KernelCheck.gradient("scaled sampled CE dtable (bias \(bias))", analytic: r.dTable, at: p.table) {
                var q = p; q.table = $0; return self.run(q, logitScale: 3, as: Double.self).loss
            }
            if let b = p.bias {
                KernelCheck.gradient("scaled sampled CE dbias", analytic: Array(r.dBias), at: b) {
                    var q = p; q.bias = $0; return self.run(q, logitScale: 3, as: Double.self).loss
                }
            }
        }
    }

    func testEveryClassOnceWithAConstantCorrectionIsTheFullSoftmax() {
        // Negatives = every class once: each row's own target is an accidental hit and is removed,
        // leaving exactly the full softmax's candidates; a constant log Q shifts every logit alike.
        var rnd = TestRandom(seed: 62)
        let rows = 5, classes = 7, d = 4
        let p = Problem(query: rnd.array(rows * d), table: rnd.array(classes * d), bias: nil,
                        targets: [0, 6, 3, 3, 1], negatives: (0..<Int32(classes)).map { $0 },
                        logQ: [Double](repeating: 1.7, count: classes), rows: rows, classes: classes, d: d)
        let sampled = run(p, as: Double.self)
        var logits = [Double](repeating: 0, count: rows * classes)
        for r in 0..<rows { for c in 0..<classes {
            logits[r * classes + c] = KernelCheck.dot(Array(p.query[r * d ..< (r + 1) * d]), Array(p.table[c * d ..< (c + 1) * d]))
        } }
        let L = KernelBuffer<Double>(logits), G = KernelBuffer<Double>(zeros: logits.count)
        let targets = KernelBuffer<Int32>(p.targets), rowLoss = KernelBuffer<Double>(zeros: rows)
        let full = crossEntropyForwardBackward(logits: L.c, targets: targets.c, rows: rows, classes: classes,
                                               dLogits: G.p, rowLoss: rowLoss.p)
        XCTAssertEqual(sampled.loss, full, accuracy: 1e-13)
        // dq = dlogits · E, dE = dlogitsᵀ · q.
        let g = G.array
        var dq = [Double](repeating: 0, count: rows * d), de = [Double](repeating: 0, count: classes * d)
        for r in 0..<rows { for c in 0..<classes { for k in 0..<d {
            dq[r * d + k] += g[r * classes + c] * p.table[c * d + k]
            de[c * d + k] += g[r * classes + c] * p.query[r * d + k]
        } } }
        XCTAssertLessThan(KernelCheck.maxAbsDiff(sampled.dQuery, dq), 1e-14)
        XCTAssertLessThan(KernelCheck.maxAbsDiff(sampled.dTable, de), 1e-14)
        // Float32 agrees with Float64.
        let single = run(p, as: Float.self)
        XCTAssertEqual(single.loss, sampled.loss, accuracy: 1e-5)
        XCTAssertLessThan(KernelCheck.maxAbsDiff(single.dTable, sampled.dTable), 1e-6)
    }

    func testAnAccidentalHitIsRemoved() {
        // A negative equal to every row's target changes nothing: same loss, same gradients.
        var p = problem(bias: true, seed: 63)
        p.targets = [2, 2, 2, 2]; p.negatives = [5, 7, 4]
        let without = run(p, as: Double.self)
        p.negatives = [5, 2, 7, 4]
        let with = run(p, as: Double.self)
        XCTAssertEqual(with.loss, without.loss, accuracy: 1e-14)
        XCTAssertLessThan(KernelCheck.maxAbsDiff(with.dTable, without.dTable), 1e-14)
        XCTAssertLessThan(KernelCheck.maxAbsDiff(with.dBias, without.dBias), 1e-14)
        // The same in Float32, whose exp does not reach 0 on its own.
        let f1 = run(p, as: Float.self)
        p.negatives = [5, 7, 4]
        let f0 = run(p, as: Float.self)
        XCTAssertEqual(f1.loss, f0.loss, accuracy: 1e-6)
        XCTAssertLessThan(KernelCheck.maxAbsDiff(f1.dBias, f0.dBias), 1e-7)
    }

    func testTheCorrectionFavoursRareNegatives() {
        // Raising one negative's expected count lowers its corrected logit and so its gradient share.
        var p = problem(bias: false, seed: 64)
        p.targets = [1, 1, 1, 1]; p.negatives = [5, 7]
        let base = run(p, as: Double.self)
        p.logQ[7] += 2
        let frequent = run(p, as: Double.self)
        let norm: ([Double]) -> Double = { g in (0..<p.d).reduce(0) { $0 + g[7 * p.d + $1] * g[7 * p.d + $1] } }
        XCTAssertLessThan(norm(frequent.dTable), norm(base.dTable))
        XCTAssertLessThan(frequent.loss, base.loss)
    }

    func testTheSamplerDrawsByTrainingFrequency() {
        // Counts 0, 1, 3, 0, 6 (total 10): items 0 and 3 never drawn; 1, 2, 4 in proportion 1:3:6.
        guard let sampler = ItemFrequencySampler(counts: [0, 1, 3, 0, 6], draws: 20_000) else { return XCTFail("no sampler") }
        var rng = RandomGenerator(seed: 5), draws: [Int32] = []
        sampler.draw(into: &draws, rng: &rng)
        XCTAssertEqual(draws.count, 20_000)
        var seen = [Int](repeating: 0, count: 5)
        for item in draws { seen[Int(item)] += 1 }
        XCTAssertEqual(seen[0], 0); XCTAssertEqual(seen[3], 0)
        for (item, share) in [(1, 0.1), (2, 0.3), (4, 0.6)] {
            // 5 standard deviations of a binomial share over 20,000 draws.
            XCTAssertEqual(Double(seen[item]) / 20_000, share, accuracy: 5 * (share * (1 - share) / 20_000).squareRoot(), "item \(item)")
        }
        // log(K · q_j), with items of no count corrected as if they had one.
        XCTAssertEqual(sampler.logExpectedCount[4], log(20_000 * 0.6), accuracy: 1e-12)
        XCTAssertEqual(sampler.logExpectedCount[0], log(20_000 * 0.1), accuracy: 1e-12)
        // The same seed draws the same items; the draw reuses the array.
        var again: [Int32] = [9, 9]
        var rng2 = RandomGenerator(seed: 5)
        sampler.draw(into: &again, rng: &rng2)
        XCTAssertEqual(again, draws)
        XCTAssertNil(ItemFrequencySampler(counts: [0, 0], draws: 4))
    }
}
