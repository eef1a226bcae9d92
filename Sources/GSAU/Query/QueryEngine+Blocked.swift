import Dispatch

extension QueryEngine {
    /// Batches at least this large are scored in blocks (see `recommendBlocked`).
    static let blockedBatchThreshold = 64
    static let scoringBlock = 256

    /// Top-`count` for many users, scored in blocks of users: one encoder pass over the block's
    /// sequences (or a gather of the graph's user rows), one matrix product against the item table
    /// (the table is read once per block instead of once per user), then top-K per row in parallel.
    /// Scores equal the single-user path's up to float rounding (a gemm instead of a gemv sums in
    /// another order), so exact near-ties may order differently. Inputs are validated by the caller.
    func recommendBlocked(userIndices: UnsafeBufferPointer<Int32>, count: Int, filter: ItemFilter,
                          ids: UnsafeMutablePointer<Int32>, scores: UnsafeMutablePointer<Float>,
                          counts: UnsafeMutablePointer<Int32>) {
        let d = config.embeddingSize, items = layout.itemCount, block = Self.scoringBlock
        let h = UnsafeMutablePointer<Float>.allocate(capacity: block * d)
        let rows = UnsafeMutablePointer<Float>.allocate(capacity: block * items)
        defer { h.deallocate(); rows.deallocate() }
        var start = 0
        while start < userIndices.count {
            let b = min(block, userIndices.count - start)
            let users = UnsafeBufferPointer(rebasing: userIndices[start..<(start + b)])
            if predictsWithGraph {
                graphMean.withUnsafeBufferPointer { g in
                    for r in 0..<b { (h + r * d).update(from: g.baseAddress! + Int(users[r]) * d, count: d) }
                    matmul(h, g.baseAddress! + layout.userCount * d, transB: true, into: rows, m: b, n: items, k: d)
                }
            } else {
                pool.withWorkspace { ws in
                    ws.packed.removeAll()
                    for u in users { ws.encoder!.appendPredictionInput(dataset.items(ofUser: u), to: &ws.packed) }
                    var unused = RandomGenerator(seed: 0)   // eval mode draws nothing
                    parameters.withUnsafeBufferPointer { p in
                        ws.encoder!.forward(parameters: p.baseAddress!, batch: ws.packed, training: false, rng: &unused, output: h)
                        matmul(h, p.baseAddress! + layout.itemTable, transB: true, into: rows, m: b, n: items, k: d)
                        if let bias = layout.outputBias { addRowVector(p.baseAddress! + bias, to: rows, rows: b, columns: items) }
                    }
                }
            }
            // Top-K per row, rows split over the cores; each chunk has its own filter mask.
            let job = UnsafeSendable((rows, ids + start * count, scores + start * count, counts + start))
            let history = self.dataset
            parallelChunks(b, minimumChunk: 16) { range in
                let (rows, ids, scores, counts) = job.pointer
                let mask = UnsafeMutableBufferPointer<Bool>.allocate(capacity: filter.isTrivial ? 0 : items)
                defer { mask.deallocate() }
                for r in range {
                    let row = UnsafeBufferPointer(start: rows + r * items, count: items)
                    let top: [(id: Int32, score: Float)]
                    if filter.isTrivial {
                        top = topK(scores: row, k: count)
                    } else {
                        filter.fill(mask: mask, seen: history.items(ofUser: users[r]))
                        top = topK(scores: row, k: count, excluded: { mask[Int($0)] })
                    }
                    for (k, entry) in top.enumerated() { ids[r * count + k] = entry.id; scores[r * count + k] = entry.score }
                    counts[r] = Int32(top.count)
                }
            }
            start += b
        }
    }
}
