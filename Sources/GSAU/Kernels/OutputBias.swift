// A bias added to every row of a score matrix (stock BERT4Rec's per-item `output_bias`).
//
// Shapes (row-major): y [rows, columns], b [columns].
//   forward:  y[r, c] += b[c]
//   backward: db[c]   += Σ_r dy[r, c]

/// y[r, c] += b[c] for every row.
public func addRowVector<T: GSAUScalar>(_ b: UnsafePointer<T>, to y: UnsafeMutablePointer<T>, rows: Int, columns: Int) {
    for r in 0..<rows {
        let row = y + r * columns
        for c in 0..<columns { row[c] += b[c] }
    }
}

/// db[c] += Σ_r dy[r, c] (ACCUMULATES).
public func sumRows<T: GSAUScalar>(of dy: UnsafePointer<T>, rows: Int, columns: Int, into db: UnsafeMutablePointer<T>) {
    for r in 0..<rows {
        let row = dy + r * columns
        for c in 0..<columns { db[c] += row[c] }
    }
}
