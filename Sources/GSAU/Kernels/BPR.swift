import RealModule

// BPR loss of stock LightGCN (docs/MODEL.md §4.6) on [B, d] row blocks: the user rows u, the
// positive item rows p and the sampled negative item rows n (LightGCN's layer means, not normalised).
//
//     x_b  = u_b · (p_b − n_b)
//     loss = −(1/B) Σ_b log(1e-10 + σ(x_b))                 σ(x) = 1 / (1 + e^−x), libm exp
//
//     ∂loss/∂x_b = −σ(x_b)(1 − σ(x_b)) / (1e-10 + σ(x_b)) / B
//     du_b = ∂loss/∂x_b · (p_b − n_b),   dp_b = ∂loss/∂x_b · u_b,   dn_b = −∂loss/∂x_b · u_b
//
// Shapes: u, p, n, dU, dP, dN [B, d] (row-major); workspace [B] (σ(x_b), from the forward to the
// backward). The backward takes the upstream scalar gradient and accumulates (+=).

/// The BPR loss; leaves σ(x_b) in `workspace[b]` for `bprBackward`. Throws for B = 0.
public func bprForward<T: GSAUScalar>(user u: UnsafePointer<T>, positive p: UnsafePointer<T>,
                                      negative n: UnsafePointer<T>, rows b: Int, width d: Int,
                                      workspace sigma: UnsafeMutablePointer<T>) throws -> T {
    guard b >= 1 else { throw GSAUError.invalidArgument("BPR: batch has \(b) row(s), needs at least 1") }
    var loss: T = 0
    for r in 0..<b {
        var x: T = 0
        for c in 0..<d { x += u[r * d + c] * (p[r * d + c] - n[r * d + c]) }
        let s = 1 / (1 + T.exp(-x))
        sigma[r] = s
        loss -= T.log(1e-10 + s)
    }
    return loss * (1 / T(b))
}

/// Backward of `bprForward` (same rows, `workspace` as the forward left it), scaled by `upstream`:
/// dU += g·∂loss/∂x ∘ (p − n), dP += g·∂loss/∂x ∘ u, dN −= g·∂loss/∂x ∘ u. Does nothing for B = 0.
public func bprBackward<T: GSAUScalar>(user u: UnsafePointer<T>, positive p: UnsafePointer<T>,
                                       negative n: UnsafePointer<T>, rows b: Int, width d: Int,
                                       workspace sigma: UnsafePointer<T>, upstream: T,
                                       dUser dU: UnsafeMutablePointer<T>, dPositive dP: UnsafeMutablePointer<T>,
                                       dNegative dN: UnsafeMutablePointer<T>) {
    guard b >= 1 else { return }
    let invB = 1 / T(b)
    for r in 0..<b {
        let s = sigma[r]
        let gx = -s * (1 - s) / (1e-10 + s) * invB * upstream       // d loss / d x_b, scaled
        for c in 0..<d {
            dU[r * d + c] += gx * (p[r * d + c] - n[r * d + c])
            dP[r * d + c] += gx * u[r * d + c]
            dN[r * d + c] -= gx * u[r * d + c]
        }
    }
}
