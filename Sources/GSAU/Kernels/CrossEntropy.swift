import Dispatch

// Softmax cross-entropy over all classes with integer targets, mean over the batch
// (nn.CrossEntropyLoss() with reduction "mean", no label smoothing, no ignore_index).
//
// Shapes (row-major):
//   logits, dLogits:  [rows, classes]
//   targets:          [rows]  Int32, each in 0..<classes
//   rowLoss:          [rows]  workspace: the per-row losses, summed in row order afterwards so the
//                             result does not depend on how rows are split across threads
//
// loss = (1/rows) Σ_r [ logsumexp(logits[r]) − logits[r, targets[r]] ], computed stably as
// log Σ exp(l − max) + max − l_target.

/// Computes the mean loss and OVERWRITES `dLogits` with
/// gradScale · (softmax(logits) − onehot(targets)) / rows, the gradient of gradScale · loss.
/// `dLogits` may alias `logits` (in place: each row is read completely before it is written).
/// Unlike the other backward functions this one writes (=) rather than accumulates, so that the
/// large [rows, classes] buffer can be reused in place. Rows are processed in parallel when the
/// problem is large; the result is bitwise the same for any thread count.
public func crossEntropyForwardBackward<T: GSAUScalar>(logits: UnsafePointer<T>,
                                                targets: UnsafePointer<Int32>,
                                                rows: Int, classes: Int,
                                                dLogits: UnsafeMutablePointer<T>,
                                                gradScale: T = 1,
                                                rowLoss: UnsafeMutablePointer<T>) -> T {
    if rows == 0 { return 0 }
    let job = CrossEntropyRows(logits: logits, targets: targets, classes: classes, dLogits: dLogits,
                               gradFactor: gradScale / T(rows), rowLoss: rowLoss)
    if rows * classes >= 1 << 16 && rows > CrossEntropyRows<T>.rowsPerChunk {
        let chunks = (rows + CrossEntropyRows<T>.rowsPerChunk - 1) / CrossEntropyRows<T>.rowsPerChunk
        DispatchQueue.concurrentPerform(iterations: chunks) { job.chunk($0, rows: rows) }
    } else {
        for r in 0..<rows { job.row(r) }
    }
    var total: T = 0
    for r in 0..<rows { total += rowLoss[r] }
    return total / T(rows)
}

/// The per-row work of `crossEntropyForwardBackward`, with its raw pointers bundled so that the
/// worker closure can capture them (each row writes only its own slice).
private struct CrossEntropyRows<T: GSAUScalar>: @unchecked Sendable {
    let logits: UnsafePointer<T>
    let targets: UnsafePointer<Int32>
    let classes: Int
    let dLogits: UnsafeMutablePointer<T>
    let gradFactor: T
    let rowLoss: UnsafeMutablePointer<T>

    static var rowsPerChunk: Int { 8 }

    func chunk(_ c: Int, rows: Int) {
        let start = c * Self.rowsPerChunk
        for r in start..<min(rows, start + Self.rowsPerChunk) { row(r) }
    }

    func row(_ r: Int) {
        let l = logits + r * classes
        let target = Int(targets[r])
        assert(target >= 0 && target < classes, "cross-entropy target out of range")
        let targetLogit = l[target]          // read before a possibly aliased dLogits row is written
        // Softmax · gradFactor in the gradient row, in place (copied first unless aliased).
        let g = dLogits + r * classes
        if UnsafePointer(g) != l { g.update(from: l, count: classes) }
        let (maxv, sum) = softmaxInPlace(g, count: classes, scale: gradFactor)
        g[target] -= gradFactor
        rowLoss[r] = T.log(sum) + maxv - targetLogit
    }
}
