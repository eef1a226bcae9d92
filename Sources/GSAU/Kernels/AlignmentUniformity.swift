import Dispatch
import RealModule

// Alignment and uniformity losses (docs/MODEL.md §4.1; α = 2, t = 2 hard-coded), on row-normalised
// vectors (the caller normalises; the formulas below hold for any rows, and so do the gradients).
//
//     align(X, Y)  = mean_b ‖X_b − Y_b‖²
//     unif(X)      = log( mean_{b<c} exp(−2‖X_b − X_c‖²) )     over all B(B−1)/2 unordered pairs
//     unif(X, Y)   = log( mean_b exp(−2‖X_b − Y_b‖²) )         over the B row-paired pairs
//
// Duplicated rows are kept; a zero-distance pair contributes exp(0) = 1. Each `unif` is its own
// log-mean-exp, evaluated stably (max-subtracted; "log-mean-exp" below); sums are accumulated in
// Double.
// Forward functions throw `GSAUError.invalidArgument` for a batch too small for the loss
// (unif(X) needs B ≥ 2, the others B ≥ 1) instead of dividing by zero.
// Every backward function takes the upstream scalar gradient (e.g. γ) and accumulates (+=).

// MARK: - align(X, Y)

/// `align(X, Y) = mean_b ‖X_b − Y_b‖²`. `x`, `y`: `[B, d]`. Throws for B = 0.
public func alignmentForward<T: GSAUScalar>(x: UnsafePointer<T>, y: UnsafePointer<T>,
                                            rows b: Int, width d: Int) throws -> T {
    guard b >= 1 else { throw GSAUError.invalidArgument("align: batch has \(b) row(s), needs at least 1") }
    var total = 0.0
    for r in 0..<b {
        let xr = x + r * d, yr = y + r * d
        var squared: T = 0
        for k in 0..<d { let diff = xr[k] - yr[k]; squared += diff * diff }
        total += Double(squared)
    }
    return T(total / Double(b))
}

/// Backward of `align`: `dx_b += g · 2/B · (x_b − y_b)`, `dy_b −= g · 2/B · (x_b − y_b)`.
/// `dx`, `dy`: `[B, d]`, accumulated. Does nothing for B = 0.
public func alignmentBackward<T: GSAUScalar>(x: UnsafePointer<T>, y: UnsafePointer<T>,
                                             rows b: Int, width d: Int, upstream g: T,
                                             dx: UnsafeMutablePointer<T>, dy: UnsafeMutablePointer<T>) {
    guard b >= 1 else { return }
    let scale = g * 2 / T(b)
    for r in 0..<b {
        let xr = x + r * d, yr = y + r * d, dxr = dx + r * d, dyr = dy + r * d
        for k in 0..<d {
            let grad = scale * (xr[k] - yr[k])
            dxr[k] += grad
            dyr[k] -= grad
        }
    }
}

// MARK: - unif(X), all unordered pairs

/// Workspace size of `uniformityForward` / `uniformityBackward` for a batch of `b` rows:
/// a `[B, B]` Gram / pair-weight matrix plus `[B]` squared norms and `[B]` row maxima.
public func uniformityWorkspaceSize(rows b: Int) -> Int { b * b + 2 * b }

/// Runs `body` on chunks of 32 rows of the [B, B] pair matrix, over the cores when B > 32. The
/// chunks are handed out as threads become free, which balances the triangle's uneven rows.
func forEachPairRowChunk(_ b: Int, _ body: (Range<Int>) -> Void) {
    let rows = 32, chunks = (b + rows - 1) / rows
    if chunks < 2 || processorCount < 2 { body(0..<b); return }
    withoutActuallyEscaping(body) { body in
        let job = UnsafeSendable(body)
        DispatchQueue.concurrentPerform(iterations: chunks) { c in job.pointer((c * rows)..<min(b, (c + 1) * rows)) }
    }
}

/// `unif(X) = log( mean_{b<c} exp(−2‖X_b − X_c‖²) )`. `x`: `[B, d]`. Throws for B < 2.
///
/// Squared distances come from the Gram matrix `G = X Xᵀ` (`T.gemm`):
/// `d²_bc = max(0, |x_b|² + |x_c|² − 2 G_bc)`.
///
/// On return `workspace` (`uniformityWorkspaceSize(rows: B)`) holds, in its first `B·B` entries,
/// the symmetric pair weights `w_bc = exp(−2 d²_bc) / Σ_{b'<c'} exp(−2 d²_b'c')` (zero diagonal),
/// which `uniformityBackward` needs: keep it untouched in between.
public func uniformityForward<T: GSAUScalar>(x: UnsafePointer<T>, rows b: Int, width d: Int,
                                             workspace: UnsafeMutablePointer<T>) throws -> T {
    guard b >= 2 else { throw GSAUError.invalidArgument("unif(X): batch has \(b) row(s), needs at least 2") }
    let weights = workspace                    // [B, B]: Gram, then exponents, then weights
    let norms = workspace + b * b              // [B]
    T.gemm(transA: false, transB: true, m: b, n: b, k: d, alpha: 1, a: x, lda: d, b: x, ldb: d,
           beta: 0, c: weights, ldc: b)        // G = X Xᵀ
    for r in 0..<b {
        let xr = x + r * d
        var s: T = 0
        for k in 0..<d { s += xr[k] * xr[k] }
        norms[r] = s
    }
    // Exponents z_bc = −2 d²_bc on the upper triangle and their maximum; then exp(z − max) in
    // place. Rows are independent, so both run over the cores (rows in chunks; the maximum is the
    // same in any order); the Double sum of the log-mean-exp then adds them in row order, serially,
    // as before (bitwise the same sum for any thread count).
    let rowMaxima = norms + b                  // [B]
    let job = UnsafeSendable((weights, UnsafePointer(norms), rowMaxima))
    forEachPairRowChunk(b) { range in
        let (weights, norms, rowMaxima) = job.pointer
        for r in range {
            let row = weights + r * b
            var rowMax = -T.infinity
            for c in (r + 1)..<b {
                let squared = max(0, norms[r] + norms[c] - 2 * row[c])
                let z = -2 * squared
                row[c] = z
                if z > rowMax { rowMax = z }
            }
            rowMaxima[r] = rowMax
        }
    }
    var maxExponent = -T.infinity
    for r in 0..<b where rowMaxima[r] > maxExponent { maxExponent = rowMaxima[r] }
    let maximum = maxExponent
    forEachPairRowChunk(b) { range in
        let weights = job.pointer.0
        for r in range {
            let row = weights + r * b
            for c in (r + 1)..<b { row[c] = T.exp(row[c] - maximum) }
        }
    }
    var sum = 0.0
    for r in 0..<b {
        let row = weights + r * b
        for c in (r + 1)..<b { sum += Double(row[c]) }
    }
    // The weights on the upper triangle, then mirrored to the lower one in square tiles (a
    // column-order write of the whole [B, B] matrix misses the cache on every element); each
    // chunk of rows writes only its own rows' lower part.
    let inverseSum = T(1 / sum)
    forEachPairRowChunk(b) { range in
        let weights = job.pointer.0
        for r in range {
            let row = weights + r * b
            row[r] = 0
            for c in (r + 1)..<b { row[c] *= inverseSum }
        }
    }
    forEachPairRowChunk(b) { range in
        let weights = job.pointer.0
        let tile = 16
        var c0 = range.lowerBound
        while c0 < range.upperBound {
            let c1 = min(c0 + tile, range.upperBound)
            var r0 = 0
            while r0 < c1 - 1 {
                let r1 = min(r0 + tile, c1 - 1)
                for c in c0..<c1 {
                    let out = weights + c * b
                    for r in r0..<min(r1, c) { out[r] = weights[r * b + c] }
                }
                r0 = r1
            }
            c0 = c1
        }
    }
    return logMeanExp(max: maxExponent, sum: sum, count: Double(b) * Double(b - 1) / 2)
}

/// Backward of `unif(X)`, from the weights left in `workspace` by `uniformityForward` on the same `x`:
///
///     d unif / d x_b = Σ_{c≠b} w_bc · (−4)(x_b − x_c) = −4 (rowsum(W)_b · x_b − (W X)_b)
///
/// (`d(d²_bc)/dx_b = 2(x_b − x_c)`; where the clamp at 0 was active the pair's gradient is that of
/// the unclamped expression, i.e. ≈ 0, and exactly 0 for identical rows, as torch's pdist.)
/// `dx`: `[B, d]`, accumulated, scaled by `upstream`. Does nothing for B < 2.
public func uniformityBackward<T: GSAUScalar>(x: UnsafePointer<T>, rows b: Int, width d: Int,
                                              workspace: UnsafePointer<T>, upstream g: T,
                                              dx: UnsafeMutablePointer<T>) {
    guard b >= 2 else { return }
    let weights = workspace
    T.gemm(transA: false, transB: false, m: b, n: d, k: b, alpha: 4 * g, a: weights, lda: b,
           b: x, ldb: d, beta: 1, c: dx, ldc: d)                  // dx += 4g · W X
    for r in 0..<b {
        let row = weights + r * b
        var rowSum: T = 0
        for c in 0..<b { rowSum += row[c] }
        let scale = 4 * g * rowSum
        let xr = x + r * d, dxr = dx + r * d
        for k in 0..<d { dxr[k] -= scale * xr[k] }                  // dx −= 4g · rowsum(W) ∘ X
    }
}

// MARK: - unif(X, Y), row-paired

/// Workspace size of the paired uniformity: `[B]` pair weights.
public func pairedUniformityWorkspaceSize(rows b: Int) -> Int { b }

/// `unif(X, Y) = log( mean_b exp(−2‖X_b − Y_b‖²) )` over row pairs. `x`, `y`: `[B, d]`.
/// For the u–i term `Y` is `T̂[π]` gathered by the caller (row b of `y` is row `π[b]` of T̂).
/// On return `workspace` (`[B]`) holds the weights `w_b = exp(z_b) / Σ exp(z)` for the backward.
/// Throws for B = 0.
public func pairedUniformityForward<T: GSAUScalar>(x: UnsafePointer<T>, y: UnsafePointer<T>,
                                                   rows b: Int, width d: Int,
                                                   workspace: UnsafeMutablePointer<T>) throws -> T {
    guard b >= 1 else { throw GSAUError.invalidArgument("unif(X, Y): batch has \(b) row(s), needs at least 1") }
    let weights = workspace
    var maxExponent = -T.infinity
    for r in 0..<b {
        let xr = x + r * d, yr = y + r * d
        var squared: T = 0
        for k in 0..<d { let diff = xr[k] - yr[k]; squared += diff * diff }
        let z = -2 * squared
        weights[r] = z
        if z > maxExponent { maxExponent = z }
    }
    var sum = 0.0
    exponentiate(weights, count: b, max: maxExponent, sum: &sum)
    let inverseSum = T(1 / sum)
    for r in 0..<b { weights[r] *= inverseSum }
    return logMeanExp(max: maxExponent, sum: sum, count: Double(b))
}

/// Backward of `unif(X, Y)`: `dx_b += g · w_b · (−4)(x_b − y_b)`, `dy_b −= g · w_b · (−4)(x_b − y_b)`,
/// with the weights left in `workspace` by `pairedUniformityForward`. `dy` is in paired-row
/// order (row b belongs to `y` row b); for `Y = T̂[π]` the caller adds row b of `dy` into
/// row `π[b]` of dT̂. Accumulates. Does nothing for B = 0.
public func pairedUniformityBackward<T: GSAUScalar>(x: UnsafePointer<T>, y: UnsafePointer<T>,
                                                    rows b: Int, width d: Int,
                                                    workspace: UnsafePointer<T>, upstream g: T,
                                                    dx: UnsafeMutablePointer<T>, dy: UnsafeMutablePointer<T>) {
    guard b >= 1 else { return }
    for r in 0..<b {
        let scale = -4 * g * workspace[r]
        let xr = x + r * d, yr = y + r * d, dxr = dx + r * d, dyr = dy + r * d
        for k in 0..<d {
            let grad = scale * (xr[k] - yr[k])
            dxr[k] += grad
            dyr[k] -= grad
        }
    }
}

// MARK: - log-mean-exp

// Every `unif` is log( mean_k exp(z_k) ) over its exponents z_k, evaluated stably with their maximum
// m (tracked by the caller while it writes them): `exponentiate` replaces each z_k by exp(z_k − m)
// and adds it to a Double sum, run by run (unif(X) keeps its pairs in the rows of a triangle), and
// `logMeanExp` returns m + log(sum / count). The backward weights are exp(z_k − m) / sum.

/// z[k] ← exp(z[k] − m) for k < count, each added to `sum` (in Double, in order).
@inline(__always)
private func exponentiate<T: GSAUScalar>(_ z: UnsafeMutablePointer<T>, count n: Int, max m: T, sum: inout Double) {
    for k in 0..<n {
        let e = T.exp(z[k] - m)
        z[k] = e
        sum += Double(e)
    }
}

/// m + log(sum / count): the log-mean-exp once every exponent is in `sum`.
@inline(__always)
private func logMeanExp<T: GSAUScalar>(max m: T, sum: Double, count: Double) -> T {
    m + T(Double.log(sum / count))
}
