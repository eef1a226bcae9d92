import XCTest
@testable import GSAU

// Finite differences: central, step h = 1e-6 on the Float64 path; tolerance |a − n| ≤ 1e-7 + 1e-5·|n|.
// The mask is a function of the seed only, so re-seeding inside the loss gives the same mask for
// every probe. Loss: L = Σ r_i · y_i with fixed random r.
final class DropoutGradientTests: XCTestCase {
    private func forward(_ x: [Double], p: Double, seed: UInt64) -> (y: [Double], mask: [Double]) {
        var rng = RandomGenerator(seed: seed)
        let X = KernelBuffer<Double>(x), Y = KernelBuffer<Double>(zeros: x.count), M = KernelBuffer<Double>(zeros: x.count)
        dropoutForward(output: Y.p, mask: M.p, input: X.c, count: x.count, p: p, rng: &rng)
        return (Y.array, M.array)
    }

    func testZeroProbabilityIsExactIdentity() {
        var rnd = TestRandom(seed: 30)
        let x = rnd.array(1000).map { Float($0) }
        var rng = RandomGenerator(seed: 7)
        let untouched = rng
        let X = KernelBuffer<Float>(x), Y = KernelBuffer<Float>(zeros: x.count), M = KernelBuffer<Float>(zeros: x.count)
        dropoutForward(output: Y.p, mask: M.p, input: X.c, count: x.count, p: 0, rng: &rng)
        XCTAssertEqual(Y.array, x)                                   // bit for bit
        XCTAssertTrue(M.array.allSatisfy { $0 == 1 })
        var a = rng, b = untouched                                   // p = 0 draws nothing
        XCTAssertEqual(a.next(), b.next())
        // In place.
        dropoutForward(output: X.p, mask: M.p, input: X.c, count: x.count, p: 0, rng: &rng)
        XCTAssertEqual(X.array, x)
        // Backward is the identity too.
        let dX = KernelBuffer<Float>(zeros: x.count)
        dropoutBackward(dInput: dX.p, dOutput: Y.c, mask: M.c, count: x.count)
        XCTAssertEqual(dX.array, x)
    }

    func testStatisticsAndScaling() {
        let count = 200_000, p = 0.3
        let x = [Double](repeating: 2, count: count)
        let (y, mask) = forward(x, p: p, seed: 31)
        let dropped = y.filter { $0 == 0 }.count
        let fraction = Double(dropped) / Double(count)
        let sigma = (p * (1 - p) / Double(count)).squareRoot()
        XCTAssertEqual(fraction, p, accuracy: 5 * sigma)
        // Kept entries are scaled by exactly 1/(1−p); the mask holds that scale.
        XCTAssertTrue(y.allSatisfy { $0 == 0 || $0 == 2 * (1 / (1 - p)) })
        XCTAssertTrue(mask.allSatisfy { $0 == 0 || $0 == 1 / (1 - p) })
        // Expectation is preserved (inverted dropout).
        XCTAssertEqual(y.reduce(0, +) / Double(count), 2, accuracy: 2 * 5 * sigma / (1 - p))
        // p = 1 zeroes everything.
        XCTAssertTrue(forward(x, p: 1, seed: 31).y.allSatisfy { $0 == 0 })
    }

    func testDeterministicPerSeed() {
        let x = [Double](repeating: 1, count: 500)
        XCTAssertEqual(forward(x, p: 0.5, seed: 99).mask, forward(x, p: 0.5, seed: 99).mask)
        XCTAssertNotEqual(forward(x, p: 0.5, seed: 99).mask, forward(x, p: 0.5, seed: 100).mask)
        // Float and Double draw the same mask from the same seed.
        var rng = RandomGenerator(seed: 99)
        let M = KernelBuffer<Float>(zeros: 500)
        dropoutFillMask(mask: M.p, count: 500, p: 0.5, rng: &rng)
        XCTAssertEqual(M.doubles, forward(x, p: 0.5, seed: 99).mask)
    }

    func testGradient() {
        var rnd = TestRandom(seed: 32)
        let x = rnd.array(64), r = rnd.array(64)
        let (_, mask) = forward(x, p: 0.4, seed: 5)
        let M = KernelBuffer<Double>(mask), R = KernelBuffer<Double>(r)
        let dX = KernelBuffer<Double>(repeating: 0, count: 64)
        dropoutBackward(dInput: dX.p, dOutput: R.c, mask: M.c, count: 64)
        KernelCheck.gradient("dropout dx", analytic: dX.array, at: x) { KernelCheck.dot(r, forward($0, p: 0.4, seed: 5).y) }
    }

    func testOverwritingBackward() {
        var rnd = TestRandom(seed: 33)
        let r = rnd.array(64), mask = (0..<64).map { Double($0 % 3 == 0 ? 0 : 2) }
        let R = KernelBuffer<Double>(r), M = KernelBuffer<Double>(mask)
        let dX = KernelBuffer<Double>(repeating: 7, count: 64)          // overwritten, not accumulated
        dropoutBackward(overwriting: dX.p, dOutput: R.c, mask: M.c, count: 64, applied: true)
        XCTAssertEqual(dX.array, zip(r, mask).map { $0 * $1 })
        dropoutBackward(overwriting: dX.p, dOutput: R.c, mask: M.c, count: 64, applied: false)
        XCTAssertEqual(dX.array, r)
    }
}
