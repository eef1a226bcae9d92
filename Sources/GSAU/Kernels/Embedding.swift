// Embedding lookup (gather) and its backward (scatter-add), with an optional second table added
// on top (SASRec: item row + position row).
//
// Shapes (row-major):
//   table:          [vocabulary, dim]
//   ids:            [count]  Int32, each in 0..<vocabulary
//   positionTable:  [positions, dim]      (optional)
//   positionIds:    [count]  Int32, each in 0..<positions
//   out:            [count, dim]
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
    for t in 0..<count {
        let src = table + Int(ids[t]) * dim
        let dst = out + t * dim
        if let positionIds, let positionTable {
            let pos = positionTable + Int(positionIds[t]) * dim
            for i in 0..<dim { dst[i] = src[i] + pos[i] }
        } else {
            dst.update(from: src, count: dim)
        }
    }
}

/// Backward scatter-add: dTable[ids[t]] += dOut[t] for every t (repeated ids accumulate).
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
