import Dispatch

extension QueryEngine {
    /// Batches at least this large are scored in blocks (see `recommendBlocked`).
    static let blockedBatchThreshold = 64
    static let scoringBlock = 256
    /// Items per score tile of the blocked path (a worker's 128 rows × 1,024 items = 512 KiB).
    static let scoringTileItems = 1024

    /// Top-`count` for many users, scored in blocks of users: the block's user vectors
    /// (`blockUserVectors`: cached rows, the others from one batched encoder pass), matrix products
    /// against the item vectors (read once per worker's rows instead of once per user), top-K per
    /// row. Scores equal the single-user path's up to float rounding (a gemm instead of a gemv sums
    /// in another order, and a batched encoder pass rounds differently from a single user's), so
    /// exact near-ties may order differently. Inputs are validated by the caller.
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
    ///
    /// A block's user vectors come first (`blockUserVectors`); then its rows are split over the
    /// cores, and each worker scores its rows one tile of `scoringTileItems` items at a time (a
    /// tile stays in the core's cache while its top-K scan reads it) and keeps each row's top-K
    /// across tiles (`TopKScan`: the same result as one scan of the whole row).
    func forEachBlock(userIndices: UnsafeBufferPointer<Int32>, count: Int, filter: ItemFilter,
                      rows destination: (Int) -> (UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Int32>),
                      done: (Range<Int>) throws -> Void) rethrows {
        let d = scorer.width, items = layout.itemCount, block = Self.scoringBlock
        let k = min(count, max(1, items - 1)), tileItems = Self.scoringTileItems
        let h = UnsafeMutablePointer<Float>.allocate(capacity: block * d)
        defer { h.deallocate() }
        var start = 0
        while start < userIndices.count {
            let b = min(block, userIndices.count - start)
            let users = UnsafeBufferPointer(rebasing: userIndices[start..<(start + b)])
            blockUserVectors(users: users, into: h)
            let out = UnsafeSendable(destination(start))
            parallelChunks(b, minimumChunk: 16) { range in
                let (ids, scores, counts) = out.pointer
                let tile = UnsafeMutablePointer<Float>.allocate(capacity: range.count * tileItems)
                let masks = UnsafeMutablePointer<Bool>.allocate(capacity: filter.isTrivial ? 0 : range.count * items)
                defer { tile.deallocate(); masks.deallocate() }
                if !filter.isTrivial {
                    for (j, r) in range.enumerated() {
                        filter.fill(mask: UnsafeMutableBufferPointer(start: masks + j * items, count: items),
                                    seen: dataset.items(ofUser: users[r]))
                    }
                }
                var scans = [TopKScan](repeating: TopKScan(k: k), count: range.count)
                var first = 0
                while first < items {
                    let tileRange = first..<min(items, first + tileItems)
                    scorer.scores(userVectors: h + range.lowerBound * d, rows: range.count, items: tileRange, into: tile)
                    for j in scans.indices {
                        let row = tile + j * tileRange.count
                        if filter.isTrivial {
                            scans[j].offer(row, items: tileRange, excluded: { _ in false })
                        } else {
                            let mask = masks + j * items
                            scans[j].offer(row, items: tileRange, excluded: { mask[Int($0)] })
                        }
                    }
                    first = tileRange.upperBound
                }
                for (j, r) in range.enumerated() {
                    let top = scans[j].drain()
                    for (e, entry) in top.enumerated() { ids[r * count + e] = entry.id; scores[r * count + e] = entry.score }
                    counts[r] = Int32(top.count)
                }
            }
            try done(start..<(start + b))
            start += b
        }
    }

    /// The user vectors of one block, `users` (at most `scoringBlock`), into h [users.count, width]:
    /// a user whose vector the engine has cached (`UserVectorCache`: the single-user path's bits)
    /// gets that row; the others, in block order, go through one batched encoder pass
    /// (`Scorer.userVectors` over those users together; for a block without cached users the same
    /// call, on the same block, as before the cache). Batched rows round differently from the
    /// single-user path's (the encoder's products run over other shapes), so they are not cached:
    /// the cache holds single-path bits only, and a batch's last bits depend on which of its users
    /// were cached and on which users share the encoder pass (within the 1e-5 tolerance of the
    /// batch tests).
    func blockUserVectors(users: UnsafeBufferPointer<Int32>, into h: UnsafeMutablePointer<Float>) {
        let d = scorer.width
        var uncached: [Int] = []
        for (r, u) in users.enumerated() {
            if let row = userVectorCache?.row(u) { (h + r * d).update(from: row, count: d) } else { uncached.append(r) }
        }
        guard !uncached.isEmpty else { return }
        let history = { (u: Int32) in self.dataset.items(ofUser: u) }
        let batch = uncached.map { users[$0] }
        let encoded = UnsafeMutablePointer<Float>.allocate(capacity: batch.count * d)
        defer { encoded.deallocate() }
        batch.withUnsafeBufferPointer { batch in
            pool.withWorkspace { ws in scorer.userVectors(users: batch, history: history, workspace: ws.scoring, into: encoded) }
        }
        for (j, r) in uncached.enumerated() { (h + r * d).update(from: encoded + j * d, count: d) }
    }
}
