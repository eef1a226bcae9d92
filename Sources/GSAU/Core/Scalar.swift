import CBLAS
import RealModule

/// The floating-point types the engine computes in.
///
/// `Float` is the production type (it matches the original float32 implementation); `Double` is the
/// reference path used by the finite-difference gradient checks. Kernels are generic over this
/// protocol; matrix products dispatch to `cblas_sgemm` / `cblas_dgemm`.
public protocol GSAUScalar: Real, BinaryFloatingPoint, Sendable
where Self.RawSignificand: FixedWidthInteger {
    /// Row-major C = alpha · op(A) · op(B) + beta · C, with op(A) [m, k], op(B) [k, n], C [m, n].
    /// `lda`, `ldb`, `ldc` are the row strides of the stored matrices (as in CBLAS row-major).
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                     alpha: Self, a: UnsafePointer<Self>, lda: Int,
                     b: UnsafePointer<Self>, ldb: Int,
                     beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
}

extension Float: GSAUScalar {
    /// Single-threaded OpenBLAS, split over the engine's threads (ProductThreads.swift).
    public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                            alpha: Float, a: UnsafePointer<Float>, lda: Int,
                            b: UnsafePointer<Float>, ldb: Int,
                            beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 { return }
        splitSgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                   b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }
}

extension Double: GSAUScalar {
    @inlinable
    public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                            alpha: Double, a: UnsafePointer<Double>, lda: Int,
                            b: UnsafePointer<Double>, ldb: Int,
                            beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        if m == 0 || n == 0 { return }
        cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}

/// Row-major matrix product with packed operands: C[m, n] = alpha · op(A) · op(B) + beta · C.
/// A is stored [m, k] (or [k, m] when `transA`), B is stored [k, n] (or [n, k] when `transB`).
@inlinable
public func matmul<T: GSAUScalar>(_ a: UnsafePointer<T>, transA: Bool = false,
                                  _ b: UnsafePointer<T>, transB: Bool = false,
                                  into c: UnsafeMutablePointer<T>, m: Int, n: Int, k: Int,
                                  alpha: T = 1, beta: T = 0) {
    T.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
           a: a, lda: transA ? m : k, b: b, ldb: transB ? k : n, beta: beta, c: c, ldc: n)
}

/// y[rows] = A[rows, columns] · x[columns] (A row-major): one score per item row.
///
/// A matrix-vector product (`sgemv`), not `matmul` with m = 1: OpenBLAS's sgemm packs the whole
/// item table on every call, which made a Beauty-sized row about 4× slower (~250 µs vs ~60 µs).
/// The results equal a block's matrix-product scores up to float rounding (the summation order
/// differs), not bit for bit.
@inline(__always)
func matvec(_ a: UnsafePointer<Float>, rows: Int, columns: Int, _ x: UnsafePointer<Float>,
            into y: UnsafeMutablePointer<Float>) {
    if rows == 0 { return }
    _ = ProductThreads.singleThreadedBLAS
    cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(rows), Int32(columns), 1, a, Int32(columns), x, 1, 0, y, 1)
}
