// Layer normalisation over the last dimension (nn.LayerNorm(C, eps)), as llm.c's layernorm pair.
//
// Shapes (row-major, contiguous):
//   x, y:          [n, C]
//   weight, bias:  [C]
//   mean, rstd:    [n]   saved by the forward pass for the backward pass
//
// y = (x − mean) · rstd · weight + bias, with mean and the biased variance taken over the row and
// rstd = 1 / sqrt(var + eps). The model uses eps = 1e-12 everywhere (docs/MODEL.md §1.2).

/// Forward pass. `y` may alias `x` (each row is read completely before it is written).
public func layerNormForward<T: GSAUScalar>(output y: UnsafeMutablePointer<T>,
                                     mean: UnsafeMutablePointer<T>,
                                     rstd: UnsafeMutablePointer<T>,
                                     input x: UnsafePointer<T>,
                                     weight: UnsafePointer<T>,
                                     bias: UnsafePointer<T>,
                                     rows n: Int, channels c: Int, eps: T) {
    if c == 0 { return }
    let invC = 1 / T(c)
    for r in 0..<n {
        let xr = x + r * c
        var sum: T = 0
        for i in 0..<c { sum += xr[i] }
        let m = sum * invC
        // Two-pass variance: no cancellation when |mean| is large relative to the spread.
        var sq: T = 0
        for i in 0..<c { let d = xr[i] - m; sq += d * d }
        let s = 1 / T.sqrt(sq * invC + eps)
        let yr = y + r * c
        for i in 0..<c { yr[i] = (xr[i] - m) * s * weight[i] + bias[i] }
        mean[r] = m
        rstd[r] = s
    }
}

/// Backward pass; ACCUMULATES into dx, dweight, dbias (+=). With n̂ = (x − mean)·rstd and
/// g = weight ⊙ dy:  dx = rstd · (g − mean(g) − n̂ · mean(g ⊙ n̂)),  dweight = Σ_rows dy ⊙ n̂,
/// dbias = Σ_rows dy. `dInput` may be nil when the input gradient is not needed.
public func layerNormBackward<T: GSAUScalar>(dInput dx: UnsafeMutablePointer<T>?,
                                      dWeight dw: UnsafeMutablePointer<T>,
                                      dBias db: UnsafeMutablePointer<T>,
                                      dOutput dy: UnsafePointer<T>,
                                      input x: UnsafePointer<T>,
                                      weight: UnsafePointer<T>,
                                      mean: UnsafePointer<T>,
                                      rstd: UnsafePointer<T>,
                                      rows n: Int, channels c: Int) {
    if c == 0 { return }
    let invC = 1 / T(c)
    for r in 0..<n {
        let xr = x + r * c
        let dyr = dy + r * c
        let m = mean[r], s = rstd[r]
        var gMean: T = 0, gnMean: T = 0
        for i in 0..<c {
            let norm = (xr[i] - m) * s
            let g = weight[i] * dyr[i]
            gMean += g
            gnMean += g * norm
            dw[i] += dyr[i] * norm
            db[i] += dyr[i]
        }
        gMean *= invC
        gnMean *= invC
        if let dx {
            let dxr = dx + r * c
            for i in 0..<c {
                let norm = (xr[i] - m) * s
                let g = weight[i] * dyr[i]
                dxr[i] += (g - gMean - norm * gnMean) * s
            }
        }
    }
}
