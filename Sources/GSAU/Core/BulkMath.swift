import RealModule

// Transcendental functions for the bulk elementwise kernels (softmax, GELU).
//
// libm's expf/erff are scalar calls that block vectorisation: the kernel benchmark measured GELU at
// 0.5 GFLOP/s and the CE softmax at 6 ns per element. The Float versions here are branch-free
// polynomials that LLVM vectorises; Double keeps libm (it is the Float64 reference path used by the
// finite-difference checks).
//   exp: Cephes expf (range reduction by ln 2, degree-6 polynomial), relative error ≤ 2e-7, inputs
//        clamped to [−87, 88] (so exp of a large negative argument is 1.6e-38, not 0);
//   erf: Abramowitz & Stegun 7.1.26 (the form PyTorch's vectorised CPU erf uses), absolute error
//        ≤ 1.5e-7.

extension GSAUScalar {
    /// exp for bulk kernels (see above).
    @inline(__always)
    static func bulkExp(_ x: Self) -> Self {
        if Self.self == Float.self { return unsafeBitCast(fastExp(unsafeBitCast(x, to: Float.self)), to: Self.self) }
        return Self.exp(x)
    }

    /// erf for bulk kernels (see above).
    @inline(__always)
    static func bulkErf(_ x: Self) -> Self {
        if Self.self == Float.self { return unsafeBitCast(fastErf(unsafeBitCast(x, to: Float.self)), to: Self.self) }
        return Self.erf(x)
    }
}

@inline(__always)
func fastExp(_ value: Float) -> Float {
    let x = Swift.min(Swift.max(value, -87), 88)
    let magic: Float = 12_582_912                              // 1.5 · 2^23: adding it rounds to an integer
    let shifted = x * 1.442_695_04 + magic                     // round(x / ln 2) sits in the low mantissa bits
    let n = shifted - magic
    var r = x - n * 0.693_359_375
    r = r - n * -2.121_944_4e-4                                // x − n·ln 2 in two parts (Cephes)
    var p: Float = 1.987_569_15e-4
    p = p * r + 1.398_199_95e-3
    p = p * r + 8.333_451_9e-3
    p = p * r + 4.166_579_59e-2
    p = p * r + 1.666_666_55e-1
    p = p * r + 5.000_000_12e-1
    p = p * r * r + r + 1
    // 2^n from the integer in the mantissa bits (integer arithmetic only: no conversion traps).
    let integer = Int32(bitPattern: shifted.bitPattern) &- Int32(bitPattern: magic.bitPattern)
    let exponent = UInt32(bitPattern: (integer &+ 127) &<< 23)
    return p * Float(bitPattern: exponent)
}

@inline(__always)
func fastErf(_ x: Float) -> Float {
    let a = Swift.abs(x)
    let t = 1 / (1 + 0.327_591_1 * a)
    var p: Float = 1.061_405_429
    p = p * t - 1.453_152_027
    p = p * t + 1.421_413_741
    p = p * t - 0.284_496_736
    p = p * t + 0.254_829_592
    let y = 1 - p * t * fastExp(-a * a)
    return Float(signOf: x, magnitudeOf: y)
}

/// Maximum of p[0..<n] (n ≥ 1) with eight independent lanes, so the loop vectorises.
@inline(__always)
func bulkMax<T: GSAUScalar>(_ p: UnsafePointer<T>, _ n: Int) -> T {
    var m0 = -T.infinity, m1 = m0, m2 = m0, m3 = m0, m4 = m0, m5 = m0, m6 = m0, m7 = m0
    var i = 0
    while i + 8 <= n {
        m0 = Swift.max(m0, p[i]); m1 = Swift.max(m1, p[i + 1]); m2 = Swift.max(m2, p[i + 2]); m3 = Swift.max(m3, p[i + 3])
        m4 = Swift.max(m4, p[i + 4]); m5 = Swift.max(m5, p[i + 5]); m6 = Swift.max(m6, p[i + 6]); m7 = Swift.max(m7, p[i + 7])
        i += 8
    }
    while i < n { m0 = Swift.max(m0, p[i]); i += 1 }
    return Swift.max(Swift.max(Swift.max(m0, m1), Swift.max(m2, m3)), Swift.max(Swift.max(m4, m5), Swift.max(m6, m7)))
}

/// Sum of p[0..<n] with eight independent partial sums (a fixed order: deterministic).
@inline(__always)
func bulkSum<T: GSAUScalar>(_ p: UnsafePointer<T>, _ n: Int) -> T {
    var s0: T = 0, s1: T = 0, s2: T = 0, s3: T = 0, s4: T = 0, s5: T = 0, s6: T = 0, s7: T = 0
    var i = 0
    while i + 8 <= n {
        s0 += p[i]; s1 += p[i + 1]; s2 += p[i + 2]; s3 += p[i + 3]
        s4 += p[i + 4]; s5 += p[i + 5]; s6 += p[i + 6]; s7 += p[i + 7]
        i += 8
    }
    while i < n { s0 += p[i]; i += 1 }
    return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
}
