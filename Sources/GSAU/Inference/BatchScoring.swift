import Dispatch

/// One block of a streamed batch (see `QueryEngine.scoreInBlocks`): the block's users and their
/// top lists. The buffers belong to the scorer and are valid only during the callback.
package struct ScoredBlock {
    /// Position of the block's first user in the caller's list.
    package let start: Int
    /// The block's dense user ids (`users[r]` is list entry `start + r`).
    package let users: UnsafeBufferPointer<Int32>
    /// Slots per row: row r holds `counts[r]` entries from `r * stride`.
    package let stride: Int
    package let ids: UnsafeBufferPointer<Int32>
    package let scores: UnsafeBufferPointer<Float>
    package let counts: UnsafeBufferPointer<Int32>

    /// Row r's dense item ids and scores, best first.
    package func row(_ r: Int) -> (ids: UnsafeBufferPointer<Int32>, scores: UnsafeBufferPointer<Float>) {
        let range = (r * stride)..<(r * stride + Int(counts[r]))
        return (UnsafeBufferPointer(rebasing: ids[range]), UnsafeBufferPointer(rebasing: scores[range]))
    }
}

extension QueryEngine {
    /// Every user's dense id, 1..<users.count (what "score every user" scores, in id order).
    package var allUserIndices: [Int32] { (1..<Int32(dataset.users.count)).map { $0 } }

    /// The checks `scoreInBlocks` and `recommend(userIndices:...)` make before any work: `count`
    /// positive, every user known (and, for sequence-scored models, with items), every filter
    /// item known, the work's memory within the limit (`checkBatchMemory`).
    package func checkBatch(userIndices: UnsafeBufferPointer<Int32>, count: Int, filter: ItemFilter) throws {
        try checkCount(count)
        for u in userIndices { try checkUser(u) }
        try check(filter)
        try checkBatchMemory(users: userIndices.count, count: count, blockTokens: largestBlockTokens(userIndices))
    }

    /// Top-`count` of each of `userIndices` under `filter`, streamed: the users are scored in
    /// blocks, and each block is handed to `body` (in list order) before the next is scored, so
    /// memory does not grow with the number of users (one block of score rows and top lists).
    /// Every id is checked before any work; an error thrown by `body` stops the batch and is
    /// rethrown.
    ///
    /// Per user, the results are exactly (the same bits) what `recommend(userIndices:...)` returns
    /// for the same list and the same cached users: lists of `blockedBatchThreshold` users or more
    /// run its blocked path (per block of `scoringBlock` users the cached vectors and one batched
    /// encoder pass for the others, tiled matrix products and top-K over the cores), shorter lists
    /// its per-user path, in parallel, as one block.
    package func scoreInBlocks(userIndices: UnsafeBufferPointer<Int32>, count: Int, filter: ItemFilter,
                               _ body: (ScoredBlock) throws -> Void) throws {
        try checkBatch(userIndices: userIndices, count: count, filter: filter)
        guard !userIndices.isEmpty else { return }
        // A top list never holds more than the real items: `slots` bounds the buffers for any
        // `count` and leaves every result as it is.
        let slots = min(count, max(1, itemCount - 1))
        let rows = min(userIndices.count, Self.scoringBlock)
        let ids = UnsafeMutableBufferPointer<Int32>.allocate(capacity: rows * slots)
        let scores = UnsafeMutableBufferPointer<Float>.allocate(capacity: rows * slots)
        let counts = UnsafeMutableBufferPointer<Int32>.allocate(capacity: rows)
        ids.initialize(repeating: 0); scores.initialize(repeating: 0); counts.initialize(repeating: 0)
        defer { ids.deallocate(); scores.deallocate(); counts.deallocate() }
        func block(_ range: Range<Int>) -> ScoredBlock {
            ScoredBlock(start: range.lowerBound, users: UnsafeBufferPointer(rebasing: userIndices[range]), stride: slots,
                        ids: UnsafeBufferPointer(rebasing: ids[..<(range.count * slots)]),
                        scores: UnsafeBufferPointer(rebasing: scores[..<(range.count * slots)]),
                        counts: UnsafeBufferPointer(rebasing: counts[..<range.count]))
        }
        if userIndices.count >= Self.blockedBatchThreshold {
            try forEachBlock(userIndices: userIndices, count: slots, filter: filter,
                             rows: { _ in (ids.baseAddress!, scores.baseAddress!, counts.baseAddress!) },
                             done: { try body(block($0)) })
        } else {
            // recommend(userIndices:...)'s path for short lists: each user alone, in parallel.
            let out = UnsafeSendable((ids.baseAddress!, scores.baseAddress!, counts.baseAddress!))
            let users = UnsafeSendable(userIndices), n = userIndices.count
            DispatchQueue.concurrentPerform(iterations: n) { b in
                let (ids, scores, counts) = out.pointer
                let top = self.rankUser(users.pointer[b], count: slots, filter: filter)
                counts[b] = Int32(self.write(top, ids: ids + b * slots, scores: scores + b * slots))
            }
            try body(block(0..<n))
        }
    }
}
