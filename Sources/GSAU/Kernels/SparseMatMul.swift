import Dispatch

/// Rows per work item of the parallel SpMM. Fixed, so the split does not depend on the machine.
public let sparseMatMulRowsPerChunk = 128

/// Raw pointers handed to the worker threads of `DispatchQueue.concurrentPerform`.
/// Every worker writes disjoint output rows, so sharing them is safe.
@usableFromInline
struct SparseMatMulOperands<T: GSAUScalar>: @unchecked Sendable {
    @usableFromInline let rowOffsets: UnsafePointer<Int>
    @usableFromInline let colIndices: UnsafePointer<Int32>
    @usableFromInline let values: UnsafePointer<T>
    @usableFromInline let x: UnsafePointer<T>
    @usableFromInline let y: UnsafeMutablePointer<T>
    @usableFromInline let width: Int
    @usableFromInline let accumulate: Bool

    @usableFromInline
    init(rowOffsets: UnsafePointer<Int>, colIndices: UnsafePointer<Int32>, values: UnsafePointer<T>,
         x: UnsafePointer<T>, y: UnsafeMutablePointer<T>, width: Int, accumulate: Bool) {
        self.rowOffsets = rowOffsets; self.colIndices = colIndices; self.values = values
        self.x = x; self.y = y; self.width = width; self.accumulate = accumulate
    }

    /// Rows `lo ..< hi`: y[r, :] (=|+=) Σ_e values[e] · x[col[e], :], entries in stored (column) order.
    @inlinable
    func run(rows lo: Int, _ hi: Int) {
        let d = width
        for r in lo..<hi {
            let out = y + r &* d
            if !accumulate { out.update(repeating: 0, count: d) }
            let end = rowOffsets[r &+ 1]
            var e = rowOffsets[r]
            while e < end {
                let a = values[e]
                let src = x + Int(colIndices[e]) &* d
                for k in 0..<d { out[k] += a * src[k] }
                e &+= 1
            }
        }
    }
}

/// Sparse × dense product `y[N, d] = A[N, N'] · x[N', d]` (row-major dense operands), or
/// `y += A · x` when `accumulate` is true.
///
/// Each output row is computed by one thread, summing its non-zeros in stored order, so the
/// result is bit-identical for every thread count. Rows are cut into fixed chunks of
/// `sparseMatMulRowsPerChunk`; `threads` workers (`<= 0`: all cores) take chunks round-robin
/// via `DispatchQueue.concurrentPerform`. `x` and `y` must not overlap. No allocation.
@inlinable
public func sparseMatMul<T: GSAUScalar>(_ a: CSRMatrix<T>, _ x: UnsafePointer<T>,
                                        into y: UnsafeMutablePointer<T>, width d: Int,
                                        accumulate: Bool = false, threads: Int = 0) {
    let n = a.rowCount
    if n == 0 || d == 0 { return }
    if a.nonZeroCount == 0 {                       // every row empty: A · x = 0
        if !accumulate { y.update(repeating: 0, count: n * d) }
        return
    }
    a.rowOffsets.withUnsafeBufferPointer { offsets in
        a.colIndices.withUnsafeBufferPointer { cols in
            a.values.withUnsafeBufferPointer { vals in
                let operands = SparseMatMulOperands(
                    rowOffsets: offsets.baseAddress!, colIndices: cols.baseAddress!, values: vals.baseAddress!,
                    x: x, y: y, width: d, accumulate: accumulate)
                let chunk = sparseMatMulRowsPerChunk
                let chunkCount = (n + chunk - 1) / chunk
                let workers = min(threads <= 0 ? processorCount : threads, chunkCount)
                if workers <= 1 {
                    operands.run(rows: 0, n)
                    return
                }
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    var c = worker
                    while c < chunkCount {
                        operands.run(rows: c * chunk, min(n, (c + 1) * chunk))
                        c += workers
                    }
                }
            }
        }
    }
}

/// Forward of the graph convolution: `y[N, d] = Â · x[N, d]`.
@inlinable
public func sparseMatMulForward<T: GSAUScalar>(_ adjacency: CSRMatrix<T>, x: UnsafePointer<T>,
                                               y: UnsafeMutablePointer<T>, width d: Int, threads: Int = 0) {
    sparseMatMul(adjacency, x, into: y, width: d, accumulate: false, threads: threads)
}

/// Backward of `y = Â · x`: `dx[N, d] += Âᵀ · dy[N, d]`.
///
/// The normalised adjacency is symmetric (`Â = D^-1/2 A D^-1/2` with `A` symmetric, and its
/// values are computed from the unordered pair `{r, c}`, so `Â[r, c] == Â[c, r]` bit for bit), hence
/// `Âᵀ · dy = Â · dy` and the same row-parallel kernel is used. Do not call this with a
/// non-symmetric CSR matrix.
@inlinable
public func sparseMatMulBackward<T: GSAUScalar>(_ adjacency: CSRMatrix<T>, dy: UnsafePointer<T>,
                                                dx: UnsafeMutablePointer<T>, width d: Int, threads: Int = 0) {
    sparseMatMul(adjacency, dy, into: dx, width: d, accumulate: true, threads: threads)
}

/// `y[r, :] = Σ_c A[r, c] · x[c, :]` for the listed rows only (other rows of `y` are untouched):
/// the same per-row sums, in the same order, as `sparseMatMul`, so the listed rows are bitwise
/// equal to the full product's. Rows are split over the cores when there are many.
public func sparseMatMul<T: GSAUScalar>(_ a: CSRMatrix<T>, _ x: UnsafePointer<T>, rows: UnsafeBufferPointer<Int32>,
                                        into y: UnsafeMutablePointer<T>, width d: Int) {
    if rows.isEmpty || d == 0 { return }
    a.rowOffsets.withUnsafeBufferPointer { offsets in
        a.colIndices.withUnsafeBufferPointer { cols in
            a.values.withUnsafeBufferPointer { vals in
                let job = UnsafeSendable((SparseMatMulOperands(rowOffsets: offsets.baseAddress!, colIndices: cols.baseAddress!,
                                                               values: vals.baseAddress!, x: x, y: y, width: d, accumulate: false),
                                          rows.baseAddress!))
                parallelChunks(rows.count, minimumChunk: 256) { range in
                    let (operands, rows) = job.pointer
                    for i in range { let r = Int(rows[i]); operands.run(rows: r, r + 1) }
                }
            }
        }
    }
}

/// Transposed product from a few rows: `y[c, :] += A[r, c] · x[r, :]` for every listed row `r`
/// and its non-zeros, i.e. `y += Aᵀ · x` when `x` is zero outside the listed rows (rows listed
/// once each). Serial: different rows write the same outputs. Cost: the listed rows' non-zeros.
public func sparseMatMulTransposedScatter<T: GSAUScalar>(_ a: CSRMatrix<T>, _ x: UnsafePointer<T>,
                                                         rows: UnsafeBufferPointer<Int32>,
                                                         into y: UnsafeMutablePointer<T>, width d: Int) {
    a.rowOffsets.withUnsafeBufferPointer { offsets in
        a.colIndices.withUnsafeBufferPointer { cols in
            a.values.withUnsafeBufferPointer { vals in
                for r32 in rows {
                    let r = Int(r32), src = x + r * d
                    for e in offsets[r]..<offsets[r + 1] {
                        let v = vals[e], out = y + Int(cols[e]) * d
                        for k in 0..<d { out[k] += v * src[k] }
                    }
                }
            }
        }
    }
}
