import Dispatch

extension QueryEngine {
    /// Batches at least this large are scored in blocks (see `recommendBlocked`).
    static let blockedBatchThreshold = 64
    static let scoringBlock = 256

    /// Top-`count` for many users, scored in blocks of users: the block's user vectors (each the
    /// single-user path's, cached by the engine after its first computation), one matrix product
    /// against the item vectors (read once per block instead of once per user), then top-K per
    /// row in parallel. Scores equal the single-user path's up to float rounding (a gemm instead
    /// of a gemv sums in another order), so exact near-ties may order differently. Inputs are
    /// validated by the caller.
    func recommendBlocked(userIndices: UnsafeBufferPointer<Int32>, count: Int, filter: ItemFilter,
                          ids: UnsafeMutablePointer<Int32>, scores: UnsafeMutablePointer<Float>,
                          counts: UnsafeMutablePointer<Int32>) {
        forEachBlock(userIndices: userIndices, count: count, filter: filter,
                     rows: { start in (ids + start * count, scores + start * count, counts + start) },
                     done: { _ in })
    }

    /// The blocked batch path, one block of `scoringBlock` users at a time, in order: block
    /// `start..<start + b` writes its rows to `rows(start)` (row r at `r * count`, `counts[r]`
    /// entries), then `done(start..<start + b)` runs before the next block is scored. Both
    /// `recommendBlocked` (rows in the caller's buffers) and `scoreInBlocks` (rows in one reused
    /// block buffer) run this, so their per-user results are the same bits. Inputs are validated
    /// by the caller.
    func forEachBlock(userIndices: UnsafeBufferPointer<Int32>, count: Int, filter: ItemFilter,
                      rows destination: (Int) -> (UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Int32>),
                      done: (Range<Int>) throws -> Void) rethrows {
        let d = scorer.width, items = layout.itemCount, block = Self.scoringBlock
        let h = UnsafeMutablePointer<Float>.allocate(capacity: block * d)
        let rows = UnsafeMutablePointer<Float>.allocate(capacity: block * items)
        defer { h.deallocate(); rows.deallocate() }
        var start = 0
        while start < userIndices.count {
            let b = min(block, userIndices.count - start)
            let users = UnsafeBufferPointer(rebasing: userIndices[start..<(start + b)])
            // The block's user vectors, over the cores: cached rows, or the single-user path's
            // (the same bits as a single query's vector; see `UserVectorCache`).
            parallelChunks(b, minimumChunk: 16) { range in
                pool.withWorkspace { ws in
                    for r in range { (h + r * d).update(from: vector(ofUser: users[r], in: ws), count: d) }
                }
            }
            scorer.scores(userVectors: h, rows: b, into: rows)
            // Top-K per row, rows split over the cores; each chunk has its own filter mask.
            let job = UnsafeSendable((rows, destination(start)))
            let history = self.dataset
            parallelChunks(b, minimumChunk: 16) { range in
                let (rows, (ids, scores, counts)) = job.pointer
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
            try done(start..<(start + b))
            start += b
        }
    }
}
