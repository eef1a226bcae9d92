// EmbLoss of stock LightGCN (RecBole's EmbLoss with require_pow = False; docs/MODEL.md §4.6), for
// one block of rows gathered from a table by id (the objective sums three blocks: the batch's users
// from the user table, its positive and its negative items from the item table):
//
//     X    = table[ids]                      [count, width], repeated ids repeat their row
//     loss = weight · ‖X‖_F                  the Frobenius norm of the whole block, not squared
//     dtable[ids[r]] += upstream · weight · X_r / ‖X‖_F     (nothing when ‖X‖_F = 0)
//
// Shapes: table, dTable [rows, width]; ids [count] Int32, each in 0 ..< rows. The squares are summed
// row by row in id order, the backward accumulates (+=) in id order.

/// The EmbLoss term of one block, and ‖X‖_F for `embLossBackward`.
public func embLossForward<T: GSAUScalar>(table: UnsafePointer<T>, ids: UnsafePointer<Int32>, count: Int,
                                          width d: Int, weight: T) -> (loss: T, norm: T) {
    var squares: T = 0
    for r in 0..<count {
        let row = table + Int(ids[r]) * d
        for c in 0..<d { let v = row[c]; squares += v * v }
    }
    let norm = T.sqrt(squares)
    return (weight * norm, norm)
}

/// Backward of `embLossForward` (same table, ids and weight; `norm` as it returned), scaled by
/// `upstream`, accumulated into `dTable` at the rows `ids`. A zero block (norm 0) gets no gradient.
public func embLossBackward<T: GSAUScalar>(table: UnsafePointer<T>, ids: UnsafePointer<Int32>, count: Int,
                                           width d: Int, weight: T, norm: T, upstream: T,
                                           dTable: UnsafeMutablePointer<T>) {
    guard norm > 0 else { return }
    let scale = upstream * weight
    for r in 0..<count {
        let row = table + Int(ids[r]) * d, dRow = dTable + Int(ids[r]) * d
        for c in 0..<d { dRow[c] += scale * row[c] / norm }
    }
}
