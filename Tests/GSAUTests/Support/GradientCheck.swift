import XCTest

/// Finite-difference gradient checking on the Float64 reference path.
///
/// Central differences, g_i ≈ (f(x + h·e_i) − f(x − h·e_i)) / 2h, with h = 1e-6 by default: on a
/// Float64 loss of order 1 that gives a truncation error of O(h²) ≈ 1e-12 and a rounding error of
/// O(ε/h) ≈ 1e-10, so analytic and numeric gradients agree to about 1e-8 when the backward pass
/// is right. A wrong backward pass is off by O(|g|).
enum GradientCheck {
    /// Numerical gradient of `f` at `x`, for every coordinate (or the first `limit`, evenly spread).
    static func numeric(_ x: [Double], step h: Double = 1e-6, limit: Int? = nil,
                        _ f: ([Double]) -> Double) -> [(index: Int, value: Double)] {
        let n = x.count
        let stride = max(1, limit.map { (n + $0 - 1) / $0 } ?? 1)
        var result: [(Int, Double)] = []
        var probe = x
        var i = 0
        while i < n {
            let saved = probe[i]
            probe[i] = saved + h; let plus = f(probe)
            probe[i] = saved - h; let minus = f(probe)
            probe[i] = saved
            result.append((i, (plus - minus) / (2 * h)))
            i += stride
        }
        return result
    }

    /// Asserts |analytic − numeric| ≤ atol + rtol·|numeric| for every checked coordinate, and that
    /// the check is not vacuous (some numeric gradient is clearly non-zero unless `allowZero`).
    static func assertClose(analytic: [Double], numeric: [(index: Int, value: Double)],
                            atol: Double = 1e-7, rtol: Double = 1e-5, allowZero: Bool = false,
                            _ name: String, file: StaticString = #filePath, line: UInt = #line) {
        var worst = 0.0, worstIndex = -1, largest = 0.0
        for (i, g) in numeric {
            let err = abs(analytic[i] - g) - rtol * abs(g)
            largest = max(largest, abs(g))
            if err > worst { worst = err; worstIndex = i }
        }
        XCTAssertLessThanOrEqual(worst, atol,
            "\(name): gradient mismatch at \(worstIndex): analytic \(worstIndex >= 0 ? analytic[worstIndex] : 0), numeric \(numeric.first { $0.index == worstIndex }?.value ?? 0)",
            file: file, line: line)
        if !allowZero { XCTAssertGreaterThan(largest, 1e-6, "\(name): gradient is identically zero; the check proves nothing", file: file, line: line) }
    }
}

/// Deterministic pseudo-random test data (SplitMix64), independent of the engine's generator.
struct TestRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [-scale, scale).
    mutating func uniform(_ scale: Double = 1) -> Double {
        (Double(next() >> 11) / Double(1 << 53) * 2 - 1) * scale
    }
    mutating func array(_ n: Int, scale: Double = 1) -> [Double] { (0..<n).map { _ in uniform(scale) } }
}
