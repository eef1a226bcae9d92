// Row gather by id (an embedding lookup) and its backward, the scatter-add, with an optional second
// table added on top (SASRec: item row + position row).
//
// Shapes (row-major):
//   table:          [vocabulary, dim]
//   ids:            [count]  Int32, each in 0..<vocabulary
//   positionTable:  [positions, dim]      (optional)
//   positionIds:    [count]  Int32, each in 0..<positions
//   out:            [count, dim]
//
// `table` is any row-major matrix with rows of `dim` values: an embedding table, LightGCN's node
// table, a batch of rows. To index from row k on, pass the table pointer already offset by k rows
// (`table + k · dim`): e.g. item j of LightGCN's [users; items] node table is `ids` = j on
// `nodes + userCount · dim`. The same holds for `dTable` in the backward.
//
// A table can be used in several places (the shared item table feeds the SASRec inputs, the
// targets, the CE output layer and LightGCN): every backward call ADDS into the table gradient, so
// the gradients of all uses accumulate.

/// out[t] = table[ids[t]] (+ positionTable[positionIds[t]] when both are given).
public func embeddingForward<T: GSAUScalar>(output out: UnsafeMutablePointer<T>,
                                            ids: UnsafePointer<Int32>,
                                            table: UnsafePointer<T>,
                                            count: Int, dim: Int,
                                            positionIds: UnsafePointer<Int32>? = nil,
                                            positionTable: UnsafePointer<T>? = nil) {
    if let positionIds, let positionTable {
        for t in 0..<count {
            let src = table + Int(ids[t]) * dim, pos = positionTable + Int(positionIds[t]) * dim
            let dst = out + t * dim
            for i in 0..<dim { dst[i] = src[i] + pos[i] }
        }
    } else {
        for t in 0..<count { (out + t * dim).update(from: table + Int(ids[t]) * dim, count: dim) }
    }
}

/// Backward scatter-add: dTable[ids[t]] += dOut[t] for every t, in order (repeated ids accumulate).
/// Rows whose id equals `paddingIndex` receive no gradient (nn.Embedding's padding_idx); pass nil
/// (the default) to update every row. Call once per table: for the position table pass the
/// position ids and its gradient buffer.
public func embeddingBackward<T: GSAUScalar>(dTable: UnsafeMutablePointer<T>,
                                             dOutput dOut: UnsafePointer<T>,
                                             ids: UnsafePointer<Int32>,
                                             count: Int, dim: Int,
                                             paddingIndex: Int32? = nil) {
    for t in 0..<count {
        let id = ids[t]
        if let paddingIndex, id == paddingIndex { continue }
        let dst = dTable + Int(id) * dim
        let src = dOut + t * dim
        for i in 0..<dim { dst[i] += src[i] }
    }
}
