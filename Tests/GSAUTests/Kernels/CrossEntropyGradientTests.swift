import XCTest
@testable import GSAU

// Finite differences: central, step h = 1e-6 on the Float64 path; tolerance |a − n| ≤ 1e-7 + 1e-5·|n|.
// The loss is already scalar (batch mean); the check uses gradScale = 0.7 against 0.7 · loss.
final class CrossEntropyGradientTests: XCTestCase {
    private func loss<T: GSAUScalar>(_ logits: [Double], _ targets: [Int32], classes: Int,
                                     gradScale: Double = 1, as _: T.Type = T.self) -> (loss: Double, grad: [Double]) {
        let rows = targets.count
        let L = KernelBuffer<T>(converting: logits), Tg = KernelBuffer<Int32>(targets)
        let G = KernelBuffer<T>(zeros: logits.count), W = KernelBuffer<T>(zeros: rows)
        let value = crossEntropyForwardBackward(logits: L.c, targets: Tg.c, rows: rows, classes: classes,
                                                dLogits: G.p, gradScale: T(gradScale), rowLoss: W.p)
        return (Double(value), G.doubles)
    }

    func testKnownSmallExample() {
        // Row 0: logits (1, 2, 3), target 2: −log(e³/(e + e² + e³)) = log(1 + e⁻¹ + e⁻²) = 0.4076059644443804.
        // Row 1: logits (0, 0, 0), target 0: log 3 = 1.0986122886681098.  Mean: 0.7531091265562451.
        let (value, grad) = loss([1, 2, 3, 0, 0, 0], [2, 0], classes: 3, as: Double.self)
        XCTAssertEqual(value, 0.7531091265562451, accuracy: 1e-15)
        // dlogits = (softmax − onehot) / B; softmax(1,2,3) = (0.0900305731703805, 0.2447284710547977, 0.6652409557748219).
        let softmax: [Double] = [0.09003057317038046, 0.24472847105479767, 0.6652409557748219]
        let third: Double = 1.0 / 3
        let expected: [Double] = [softmax[0] / 2, softmax[1] / 2, (softmax[2] - 1) / 2,
                                  (third - 1) / 2, third / 2, third / 2]
        XCTAssertLessThan(KernelCheck.maxAbsDiff(grad, expected), 1e-15)
        let (fValue, _) = loss([1, 2, 3, 0, 0, 0], [2, 0], classes: 3, as: Float.self)
        XCTAssertEqual(fValue, 0.7531091265562451, accuracy: 1e-6)
    }

    func testGradient() {
        var rnd = TestRandom(seed: 50)
        let rows = 5, classes = 7
        let logits = rnd.array(rows * classes, scale: 3)
        let targets: [Int32] = [0, 6, 3, 3, 1]
        let (_, grad) = loss(logits, targets, classes: classes, gradScale: 0.7, as: Double.self)
        KernelCheck.gradient("cross-entropy dlogits", analytic: grad, at: logits) {
            0.7 * self.loss($0, targets, classes: classes, as: Double.self).loss
        }
    }

    func testStableForHugeLogitsAndInPlace() {
        // Shifting all logits by 1000 changes nothing (max-subtraction), and in-place equals out-of-place.
        var rnd = TestRandom(seed: 51)
        let rows = 3, classes = 5
        let logits = rnd.array(rows * classes)
        let targets: [Int32] = [4, 0, 2]
        let base = loss(logits, targets, classes: classes, as: Float.self)
        let shifted = loss(logits.map { $0 + 1000 }, targets, classes: classes, as: Double.self)
        XCTAssertTrue(shifted.loss.isFinite)
        XCTAssertEqual(shifted.loss, base.loss, accuracy: 1e-5)
        XCTAssertLessThan(KernelCheck.maxAbsDiff(shifted.grad, base.grad), 1e-6)

        let L = KernelBuffer<Double>(logits), Tg = KernelBuffer<Int32>(targets), W = KernelBuffer<Double>(zeros: rows)
        let inPlace = crossEntropyForwardBackward(logits: L.c, targets: Tg.c, rows: rows, classes: classes,
                                                  dLogits: L.p, rowLoss: W.p)
        let outOfPlace = loss(logits, targets, classes: classes, as: Double.self)
        XCTAssertEqual(inPlace, outOfPlace.loss)
        XCTAssertEqual(L.array, outOfPlace.grad)
    }

    func testParallelRowsMatchSerialBitwise() {
        // 64 × 4096 takes the parallel path; each row alone takes the serial path.
        var rnd = TestRandom(seed: 52)
        let rows = 64, classes = 4096
        let logits = rnd.array(rows * classes, scale: 2)
        let targets = (0..<rows).map { Int32(($0 * 131) % classes) }
        let all = loss(logits, targets, classes: classes, as: Float.self)
        var sum: Float = 0
        for r in 0..<rows {
            let one = loss(Array(logits[r * classes ..< (r + 1) * classes]), [targets[r]], classes: classes, as: Float.self)
            sum += Float(one.loss)
            XCTAssertEqual(Array(all.grad[r * classes ..< (r + 1) * classes]), one.grad.map { $0 / Double(rows) },
                           "row \(r)")
        }
        XCTAssertEqual(Float(all.loss), sum / Float(rows))
        // Float vs Double.
        let dbl = loss(logits, targets, classes: classes, as: Double.self)
        XCTAssertEqual(all.loss, dbl.loss, accuracy: 1e-5)
        XCTAssertLessThan(KernelCheck.maxAbsDiff(all.grad, dbl.grad), 1e-8)
    }
}
