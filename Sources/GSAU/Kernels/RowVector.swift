// A row vector broadcast over the rows of a matrix, and its backward: the bias of `linearForward`
// and stock BERT4Rec's per-item `output_bias` on the score matrix.
//
// Shapes (row-major): y, dy [rows, columns], b, db [columns].
//   broadcast: y[r, c]  = b[c]       (Linear writes its bias first, then adds the product on top)
//   add:       y[r, c] += b[c]
//   backward:  db[c]   += Σ_r dy[r, c]

/// y[r, c] = b[c] for every row.
public func broadcastRowVector<T: GSAUScalar>(_ b: UnsafePointer<T>, into y: UnsafeMutablePointer<T>, rows: Int, columns: Int) {
    for r in 0..<rows { (y + r * columns).update(from: b, count: columns) }
}

/// y[r, c] += b[c] for every row.
public func addRowVector<T: GSAUScalar>(_ b: UnsafePointer<T>, to y: UnsafeMutablePointer<T>, rows: Int, columns: Int) {
    for r in 0..<rows {
        let row = y + r * columns
        for c in 0..<columns { row[c] += b[c] }
    }
}

/// db[c] += Σ_r dy[r, c] (ACCUMULATES), rows in order: the backward of both.
public func sumRows<T: GSAUScalar>(of dy: UnsafePointer<T>, rows: Int, columns: Int, into db: UnsafeMutablePointer<T>) {
    for r in 0..<rows {
        let row = dy + r * columns
        for c in 0..<columns { db[c] += row[c] }
    }
}
