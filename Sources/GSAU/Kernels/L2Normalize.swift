// Row-wise L2 normalisation, torch.nn.functional.normalize(x, p=2, dim=-1, eps=1e-12):
//   y = x / max(‖x‖₂, eps)
//
// Shapes: x, y: [n, C];  norms: [n] (the raw ‖x‖₂ of each row, saved for the backward pass).

/// The model's (docs/MODEL.md §1.2) and PyTorch's default epsilon.
public let l2NormalizeEpsilon = 1e-12

/// Forward pass. `y` may alias `x`.
public func l2NormalizeForward<T: GSAUScalar>(output y: UnsafeMutablePointer<T>,
                                       norms: UnsafeMutablePointer<T>,
                                       input x: UnsafePointer<T>,
                                       rows n: Int, channels c: Int,
                                       eps: T = T(l2NormalizeEpsilon)) {
    for r in 0..<n {
        let xr = x + r * c
        var sq: T = 0
        for i in 0..<c { sq += xr[i] * xr[i] }
        let norm = T.sqrt(sq)
        norms[r] = norm
        let inv = 1 / max(norm, eps)
        let yr = y + r * c
        for i in 0..<c { yr[i] = xr[i] * inv }
    }
}

/// Backward pass; ACCUMULATES into dx. Needs the forward output y and the saved norms.
///   ‖x‖ ≥ eps:  dx += (dy − y · (y·dy)) / ‖x‖      (the Jacobian of x/‖x‖)
///   ‖x‖ < eps:  dx += dy / eps                      (the map is the linear x/eps there;
///                                                    clamp_min passes no gradient to the norm)
public func l2NormalizeBackward<T: GSAUScalar>(dInput dx: UnsafeMutablePointer<T>,
                                        dOutput dy: UnsafePointer<T>,
                                        output y: UnsafePointer<T>,
                                        norms: UnsafePointer<T>,
                                        rows n: Int, channels c: Int,
                                        eps: T = T(l2NormalizeEpsilon)) {
    for r in 0..<n {
        let yr = y + r * c
        let dyr = dy + r * c
        let dxr = dx + r * c
        let norm = norms[r]
        if norm >= eps {
            var dot: T = 0
            for i in 0..<c { dot += yr[i] * dyr[i] }
            let inv = 1 / norm
            for i in 0..<c { dxr[i] += (dyr[i] - yr[i] * dot) * inv }
        } else {
            let inv = 1 / eps
            for i in 0..<c { dxr[i] += dyr[i] * inv }
        }
    }
}
