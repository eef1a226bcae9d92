// Sampled softmax cross-entropy with negatives shared by the whole batch and the log-frequency
// (logQ) correction (docs/MODEL.md §4.8): the opt-in replacement of the full-softmax head.
//
// Shapes (row-major):
//   query, dQuery:        [rows, d]       the sequence vectors (ŝ for GSAU(rec), h for stock SASRec)
//   table, dTable:        [classes, d]    the item embedding table
//   bias, dBias:          [classes]       stock BERT4Rec's output bias, or nil
//   targets:              [rows]          Int32, each row's positive item
//   negatives:            [K]             Int32, the K sampled items every row shares
//   logExpectedCount:     [classes]       log(K · q_j): log of how often item j is expected among the
//                                         K draws (q the sampling distribution); read for targets and
//                                         negatives only
//
// Row r has K + 1 candidates: its target (column 0) and the K negatives (columns 1...K), with
//   logit[r, 0]     = s · q_r · e_{t_r} + b_{t_r} − logExpectedCount[t_r]
//   logit[r, 1 + j] = s · q_r · e_{s_j} + b_{s_j} − logExpectedCount[s_j],  removed when s_j = t_r
// (an "accidental hit": the target drawn as a negative; its weight is 0), s the logit scale
// (docs/MODEL.md §4.9; 1 unless opted in), and loss = (1/rows) Σ_r [ logsumexp(logit[r]) − logit[r, 0] ].
// With every class drawn once as a negative and a constant correction this is the full softmax
// (SampledCrossEntropyTests checks that identity).

/// The work buffers of `sampledCrossEntropyForwardBackward`, sized by `reserve` (kept across
/// steps, so a training step allocates nothing once they have grown).
final class SampledCrossEntropyWorkspace<T: GSAUScalar> {
    let negativeRows = ScratchBuffer<T>()        // [K, d]       e_{s_j}
    let negativeRowsGradient = ScratchBuffer<T>()  // [K, d]     d(loss)/d e_{s_j}
    let logits = ScratchBuffer<T>()              // [rows, K+1]  logits, then their gradient in place
    let zeroTargets = ScratchBuffer<Int32>()     // [rows]       every row's target is column 0
    let rowLoss = ScratchBuffer<T>()             // [rows]
    var removed: [Int] = []                      // logits positions of accidental hits
}

/// Computes the mean sampled loss and ACCUMULATES its gradient into `dQuery`,
/// `dTable` (target and negative rows) and `dBias`. The caller checks every id against `classes`.
func sampledCrossEntropyForwardBackward<T: GSAUScalar>(
    query: UnsafePointer<T>, table: UnsafePointer<T>, bias: UnsafePointer<T>?,
    targets: UnsafePointer<Int32>, rows: Int, negatives: UnsafePointer<Int32>, negativeCount k: Int, dim d: Int,
    logExpectedCount: UnsafePointer<T>, logitScale s: T = 1,
    dQuery: UnsafeMutablePointer<T>, dTable: UnsafeMutablePointer<T>, dBias: UnsafeMutablePointer<T>?,
    workspace w: SampledCrossEntropyWorkspace<T>) -> T {
    if rows == 0 { return 0 }
    let width = k + 1
    let negativeRows = w.negativeRows.reserve(k * d), dNegativeRows = w.negativeRowsGradient.reserve(k * d)
    let logits = w.logits.reserve(rows * width)
    let zeroTargets = w.zeroTargets.reserve(rows)
    zeroTargets.update(repeating: 0, count: rows)

    // Forward: the negatives' logits for every row in one product, written into columns 1...K.
    embeddingForward(output: negativeRows, ids: negatives, table: table, count: k, dim: d)      // [K, d]
    if k > 0 {
        T.gemm(transA: false, transB: true, m: rows, n: k, k: d, alpha: s, a: query, lda: d,
               b: negativeRows, ldb: d, beta: 0, c: logits + 1, ldc: width)                     // [rows, K] in [rows, K+1]
    }
    let removedLogit = T(-1e30)            // far below any logit: exp gives 0 (Float64) or ≤ 1e-38 (Float32)
    w.removed.removeAll(keepingCapacity: true)
    for r in 0..<rows {
        let row = logits + r * width, target = Int(targets[r])
        var positive: T = 0
        let q = query + r * d, e = table + target * d
        for c in 0..<d { positive += q[c] * e[c] }
        row[0] = s * positive + (bias?[target] ?? 0) - logExpectedCount[target]
        for j in 0..<k {
            let item = Int(negatives[j])
            if item == target { row[1 + j] = removedLogit; w.removed.append(r * width + 1 + j); continue }
            row[1 + j] += (bias?[item] ?? 0) - logExpectedCount[item]
        }
    }
    let loss = crossEntropyForwardBackward(logits: logits, targets: zeroTargets, rows: rows, classes: width,
                                           dLogits: logits, rowLoss: w.rowLoss.reserve(rows))
    for position in w.removed { logits[position] = 0 }    // a removed candidate takes no gradient

    // Backward. dlogits [rows, K+1]: column 0 into the targets' rows, columns 1...K into the negatives'.
    if k > 0 {
        T.gemm(transA: false, transB: false, m: rows, n: d, k: k, alpha: s, a: logits + 1, lda: width,
               b: negativeRows, ldb: d, beta: 1, c: dQuery, ldc: d)                             // dq += s·dl[:, 1:] · E_s
        T.gemm(transA: true, transB: false, m: k, n: d, k: rows, alpha: s, a: logits + 1, lda: width,
               b: query, ldb: d, beta: 0, c: dNegativeRows, ldc: d)                             // dE_s = s·dl[:, 1:]ᵀ · q
        embeddingBackward(dTable: dTable, dOutput: dNegativeRows, ids: negatives, count: k, dim: d)
    }
    for r in 0..<rows {
        let g = logits[r * width], scaled = s * g, target = Int(targets[r])   // the bias is not scaled
        let q = query + r * d, e = table + target * d, dq = dQuery + r * d, de = dTable + target * d
        for c in 0..<d { dq[c] += scaled * e[c]; de[c] += scaled * q[c] }
        dBias?[target] += g
    }
    if let dBias {
        for j in 0..<k {
            var sum: T = 0
            for r in 0..<rows { sum += logits[r * width + 1 + j] }
            dBias[Int(negatives[j])] += sum
        }
    }
    return loss
}
