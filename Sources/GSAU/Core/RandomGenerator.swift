import RealModule

/// The engine's seeded pseudo-random generator: xoshiro256** (Blackman & Vigna), with its 256-bit
/// state expanded from a 64-bit seed by SplitMix64.
///
/// - Deterministic: the same seed gives the same stream on every platform and build.
/// - A value type: copying a generator copies its state (both copies then produce the same stream);
///   use `split()` or `jump()` to derive independent streams, e.g. one per worker or per pipeline.
/// - Conforms to `RandomNumberGenerator`, so it also drives the standard library
///   (`Int.random(in:using:)`, `shuffled(using:)`), although the helpers below are what the engine
///   uses so that results do not depend on standard-library implementation details.
public struct RandomGenerator: RandomNumberGenerator, Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64
    /// The second normal deviate of the last Box–Muller pair, if not consumed yet.
    private var spareNormal: Double?

    /// Seeds the four state words with consecutive SplitMix64 outputs (never all zero).
    public init(seed: UInt64) {
        var sm = seed
        s0 = RandomGenerator.splitMix64(&sm)
        s1 = RandomGenerator.splitMix64(&sm)
        s2 = RandomGenerator.splitMix64(&sm)
        s3 = RandomGenerator.splitMix64(&sm)
        if s0 | s1 | s2 | s3 == 0 { s0 = 0x9E37_79B9_7F4A_7C15 }   // unreachable in practice
        spareNormal = nil
    }

    /// The generator's complete state, for training-state files.
    struct State {
        var words: [UInt64]
        var spareNormal: Double?
    }

    var state: State { State(words: [s0, s1, s2, s3], spareNormal: spareNormal) }

    /// A generator continuing from `state` (four words, not all zero).
    init(state: State) {
        s0 = state.words[0]; s1 = state.words[1]; s2 = state.words[2]; s3 = state.words[3]
        spareNormal = state.spareNormal
    }

    /// One SplitMix64 step: advances `state` and returns a well-mixed 64-bit value.
    public static func splitMix64(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inline(__always)
    private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 &- k)) }

    /// xoshiro256** step.
    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = RandomGenerator.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = RandomGenerator.rotl(s3, 45)
        return result
    }

    /// Uniform Double in [0, 1) with 53 random bits.
    @inline(__always)
    public mutating func nextUniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform integer in 0..<bound (bound > 0), without modulo bias (Lemire's multiply-and-reject).
    public mutating func nextInt(below bound: Int) -> Int {
        assert(bound > 0, "nextInt(below:) needs a positive bound")
        let n = UInt64(bound)
        var product = next().multipliedFullWidth(by: n)
        if product.low < n {
            let threshold = (0 &- n) % n
            while product.low < threshold { product = next().multipliedFullWidth(by: n) }
        }
        return Int(product.high)
    }

    /// Standard normal deviate (Box–Muller; the second deviate of each pair is kept for the next call).
    public mutating func nextNormal() -> Double {
        if let z = spareNormal { spareNormal = nil; return z }
        let u1 = 1 - nextUniform()            // (0, 1]: log is finite
        let u2 = nextUniform()
        let radius = (-2 * Double.log(u1)).squareRoot()
        let angle = 2 * Double.pi * u2
        spareNormal = radius * Double.sin(angle)
        return radius * Double.cos(angle)
    }

    /// Normal deviate with the given mean and standard deviation.
    public mutating func nextNormal(mean: Double, std: Double) -> Double { mean + std * nextNormal() }

    /// Fisher–Yates shuffle in place (uniform over all permutations).
    public mutating func shuffle(_ buffer: UnsafeMutableBufferPointer<Int32>) {
        var i = buffer.count - 1
        while i > 0 {
            let j = nextInt(below: i + 1)
            buffer.swapAt(i, j)
            i -= 1
        }
    }

    /// Fisher–Yates shuffle of an array in place (same draws as the buffer version).
    public mutating func shuffle<Element>(_ array: inout [Element]) {
        var i = array.count - 1
        while i > 0 {
            let j = nextInt(below: i + 1)
            array.swapAt(i, j)
            i -= 1
        }
    }

    /// A uniform random permutation of 0..<n.
    public mutating func permutation(_ n: Int) -> [Int32] {
        var p = (0..<max(0, n)).map { Int32($0) }
        shuffle(&p)
        return p
    }

    /// A uniform random derangement of 0..<n (a permutation with p[i] ≠ i for every i), drawn by
    /// rejection as the original does with `torch.randperm`: a uniform permutation is redrawn until it
    /// has no fixed point (about e ≈ 2.72 draws on average). Returns nil for n < 2, where no
    /// derangement exists (n = 1) or the notion is empty (n = 0), instead of looping forever.
    public mutating func randomDerangement(_ n: Int) -> [Int32]? {
        var p: [Int32] = []
        return fillDerangement(&p, count: n) ? p : nil
    }

    /// The same draw into a reused array (no allocation once `p` has the capacity); false for n < 2.
    @discardableResult
    public mutating func fillDerangement(_ p: inout [Int32], count n: Int) -> Bool {
        guard n >= 2 else { return false }
        if p.count != n { p = [Int32](repeating: 0, count: n) }
        while true {
            for i in 0..<n { p[i] = Int32(i) }
            shuffle(&p)
            var hasFixedPoint = false
            for i in 0..<n where p[i] == Int32(i) { hasFixedPoint = true; break }
            if !hasFixedPoint { return true }
        }
    }

    /// Derives an independent child generator and advances this one. The child is seeded by
    /// SplitMix64 from a fresh output of the parent, so parent and child streams do not overlap in
    /// any practical sense, and the derivation is deterministic.
    public mutating func split() -> RandomGenerator {
        RandomGenerator(seed: next() ^ 0xD1B5_4A32_D192_ED03)
    }

    /// Advances the state by 2^128 steps (the xoshiro256 jump polynomial): calling `jump()` k times
    /// on copies of one generator gives k non-overlapping subsequences of length 2^128.
    public mutating func jump() {
        let polynomial: [UInt64] = [0x180E_C6D3_3CFD_0ABA, 0xD5A6_1266_F0C9_392C,
                                    0xA958_2618_E03F_C9AA, 0x39AB_DC45_29B1_661C]
        var t0: UInt64 = 0, t1: UInt64 = 0, t2: UInt64 = 0, t3: UInt64 = 0
        for word in polynomial {
            for bit in 0..<64 {
                if word & (UInt64(1) << UInt64(bit)) != 0 {
                    t0 ^= s0; t1 ^= s1; t2 ^= s2; t3 ^= s3
                }
                _ = next()
            }
        }
        s0 = t0; s1 = t1; s2 = t2; s3 = t3
        spareNormal = nil
    }

    /// A copy advanced by `jump()`: convenient for handing out per-worker streams.
    public func jumped() -> RandomGenerator {
        var copy = self
        copy.jump()
        return copy
    }
}
