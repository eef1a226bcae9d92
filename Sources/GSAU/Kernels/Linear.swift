// Fully connected layer, PyTorch layout: y = x · Wᵀ + b.
//
// Shapes (row-major, contiguous):
//   x:  [n, inFeatures]
//   W:  [outFeatures, inFeatures]   (nn.Linear.weight)
//   b:  [outFeatures]               (optional)
//   y:  [n, outFeatures]
// Both products go through BLAS (`T.gemm`); the bias and its gradient through RowVector.swift.

/// y[n, out] = x[n, in] · W[out, in]ᵀ + b[out]. `y` must not alias `x`.
public func linearForward<T: GSAUScalar>(output y: UnsafeMutablePointer<T>,
                                  input x: UnsafePointer<T>,
                                  weight w: UnsafePointer<T>,
                                  bias b: UnsafePointer<T>?,
                                  rows n: Int, inFeatures: Int, outFeatures: Int) {
    if n == 0 || outFeatures == 0 { return }
    var beta: T = 0
    if let b {
        // The bias in every output row, then the product added on top (beta = 1).
        broadcastRowVector(b, into: y, rows: n, columns: outFeatures)
        beta = 1
    }
    if inFeatures == 0 {
        if beta == 0 { y.update(repeating: 0, count: n * outFeatures) }
        return
    }
    T.gemm(transA: false, transB: true, m: n, n: outFeatures, k: inFeatures,
           alpha: 1, a: x, lda: inFeatures, b: w, ldb: inFeatures,
           beta: beta, c: y, ldc: outFeatures)
}

/// Backward of `linearForward`; every gradient is ACCUMULATED (+=).
///   dx[n, in]   += dy[n, out] · W[out, in]          (skipped when `dInput` is nil)
///   dW[out, in] += dy[n, out]ᵀ · x[n, in]
///   db[out]     += Σ_rows dy                        (skipped when `dBias` is nil)
public func linearBackward<T: GSAUScalar>(dInput dx: UnsafeMutablePointer<T>?,
                                   dWeight dw: UnsafeMutablePointer<T>,
                                   dBias db: UnsafeMutablePointer<T>?,
                                   dOutput dy: UnsafePointer<T>,
                                   input x: UnsafePointer<T>,
                                   weight w: UnsafePointer<T>,
                                   rows n: Int, inFeatures: Int, outFeatures: Int) {
    if n == 0 || outFeatures == 0 { return }
    if let dx, inFeatures > 0 {
        T.gemm(transA: false, transB: false, m: n, n: inFeatures, k: outFeatures,
               alpha: 1, a: dy, lda: outFeatures, b: w, ldb: inFeatures,
               beta: 1, c: dx, ldc: inFeatures)
    }
    if inFeatures > 0 {
        T.gemm(transA: true, transB: false, m: outFeatures, n: inFeatures, k: n,
               alpha: 1, a: dy, lda: outFeatures, b: x, ldb: inFeatures,
               beta: 1, c: dw, ldc: inFeatures)
    }
    if let db { sumRows(of: dy, rows: n, columns: outFeatures, into: db) }
}
