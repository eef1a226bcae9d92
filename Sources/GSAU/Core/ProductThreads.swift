import CBLAS
import Dispatch
import Synchronization

// Matrix products: OpenBLAS runs single-threaded and the engine splits each large product over
// its own threads.
//
// Why. OpenBLAS 0.3.21 keeps an idle worker spinning on sched_yield for about 2^28 cycles after
// every call. On a two-core machine that worker competes with the engine's own parallel loops
// (LayerNorm, GELU, softmax, attention, LightGCN, Adam) between the products: a profile of a
// Beauty training run spent ~22% of its samples in the scheduler. With OpenBLAS single-threaded
// and the product split here, a GSAU(rec) epoch went from 31.0 s to 24.2 s (bench/epoch, Zen
// core), and the sgemm reference from 116 to 130 GFLOP/s (docs/PERFORMANCE.md).
//
// How. C's rows (or, when C has too few rows, its columns) are cut into one contiguous block per
// thread, each computed by one single-threaded sgemm call; products under 2^20 multiply-adds run
// on the calling thread. The blocks depend only on the shape and the thread count, so the same
// thread count gives the same bits (as OpenBLAS's own threading did); another count may round
// differently in the last bit, because OpenBLAS treats a block's edge tiles with other kernels.
//
// Side effect. The first product sets the process's OpenBLAS to one thread
// (openblas_set_num_threads(1)); a host program sharing that OpenBLAS keeps it single-threaded
// unless it sets its own count afterwards (then gsau's split products oversubscribe the cores).
enum ProductThreads {
    /// Threads one product is split over (`BLASInfo.setThreads` changes it, e.g. when a training
    /// run sets its thread count while other threads run products: an atomic, so readers see either
    /// value, never a torn one; each product reads it once).
    static let count = Atomic<Int>(processorCount)

    /// Runs OpenBLAS single-threaded, once, before the first product.
    static let singleThreadedBLAS: Void = { openblas_set_num_threads(1) }()

    /// Products smaller than this many multiply-adds are not split.
    static let splitThreshold = 1 << 20
    /// Fewest rows (or columns) of C per block.
    static let minimumBlock = 64
}

/// Row-major C = alpha · op(A) · op(B) + beta · C in float32, split over `ProductThreads.count`.
func splitSgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    _ = ProductThreads.singleThreadedBLAS
    let ta = transA ? CblasTrans : CblasNoTrans, tb = transB ? CblasTrans : CblasNoTrans
    let threads = ProductThreads.count.load(ordering: .relaxed), block = ProductThreads.minimumBlock
    let rowParts = min(threads, m / block), columnParts = min(threads, n / block)
    let parts = max(rowParts, columnParts)
    if parts < 2 || m * n * k < ProductThreads.splitThreshold {
        cblas_sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        return
    }
    let byRows = rowParts >= columnParts
    let job = UnsafeSendable((a, b, c))
    DispatchQueue.concurrentPerform(iterations: parts) { part in
        let (a, b, c) = job.pointer
        let size = byRows ? m : n
        let lo = size * part / parts, hi = size * (part + 1) / parts
        if byRows {        // rows lo..<hi of C: rows of op(A)
            cblas_sgemm(CblasRowMajor, ta, tb, Int32(hi - lo), Int32(n), Int32(k), alpha,
                        transA ? a + lo : a + lo * lda, Int32(lda), b, Int32(ldb), beta, c + lo * ldc, Int32(ldc))
        } else {           // columns lo..<hi of C: columns of op(B)
            cblas_sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(hi - lo), Int32(k), alpha, a, Int32(lda),
                        transB ? b + lo * ldb : b + lo, Int32(ldb), beta, c + lo, Int32(ldc))
        }
    }
}
