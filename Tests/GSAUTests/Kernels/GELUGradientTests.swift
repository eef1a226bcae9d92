import XCTest
@testable import GSAU

// Finite differences: central, step h = 1e-6 on the Float64 path; tolerance |a − n| ≤ 1e-7 + 1e-5·|n|.
// Loss: L = Σ r_i · gelu(z_i) with fixed random r.
final class GELUGradientTests: XCTestCase {
    private func forward(_ z: [Double]) -> [Double] {
        let Z = KernelBuffer<Double>(z), Y = KernelBuffer<Double>(zeros: z.count)
        geluForward(output: Y.p, input: Z.c, count: z.count)
        return Y.array
    }

    func testKnownValues() {
        // 0.5·z·(1 + erf(z/√2)) evaluated with Python's math.erf.
        let y = forward([0, 1, -1, 2])
        XCTAssertEqual(y[0], 0)
        XCTAssertEqual(y[1], 0.8413447460685429, accuracy: 1e-15)
        XCTAssertEqual(y[2], -0.15865525393145707, accuracy: 1e-15)
        XCTAssertEqual(y[3], 1.9544997361036416, accuracy: 1e-15)
    }

    func testGradient() {
        var rnd = TestRandom(seed: 20)
        let z = rnd.array(40, scale: 4), r = rnd.array(40)
        let Z = KernelBuffer<Double>(z), R = KernelBuffer<Double>(r), dZ = KernelBuffer<Double>(zeros: 40)
        geluBackward(dInput: dZ.p, dOutput: R.c, input: Z.c, count: 40)
        KernelCheck.gradient("gelu dz", analytic: dZ.array, at: z) { KernelCheck.dot(r, forward($0)) }
    }

    func testFloatMatchesDouble() {
        var rnd = TestRandom(seed: 21)
        let z = rnd.array(1000, scale: 6)
        func run<T: GSAUScalar>(_: T.Type) -> [Double] {
            let Z = KernelBuffer<T>(converting: z), Y = KernelBuffer<T>(zeros: z.count)
            geluForward(output: Y.p, input: Z.c, count: z.count)
            let dZ = KernelBuffer<T>(zeros: z.count), ones = KernelBuffer<T>(repeating: 1, count: z.count)
            geluBackward(dInput: dZ.p, dOutput: ones.c, input: Z.c, count: z.count)
            return Y.doubles + dZ.doubles
        }
        XCTAssertLessThan(KernelCheck.maxAbsDiff(run(Float.self), run(Double.self)), 2e-6)
    }
}
