// Scoring and ranking for validated queries: every path goes through the model's `Scorer`.
extension QueryEngine {
    /// Full score row for a known user (all items as history) into `workspace.scores`.
    func scoreUser(_ u: Int32, in workspace: InferenceWorkspace) {
        scorer.scores(userVectors: vector(ofUser: u, in: workspace), rows: 1, into: workspace.scores.baseAddress!)
    }

    /// Known user `u`'s vector: the cached row (`userVectorCache`), or computed for `u` alone into
    /// `workspace.vector` (and cached). Either way the bits the single-user path computes.
    func vector(ofUser u: Int32, in workspace: InferenceWorkspace) -> UnsafePointer<Float> {
        guard let cache = userVectorCache else {
            computeVector(ofUser: u, in: workspace.scoring, into: workspace.vector)
            return UnsafePointer(workspace.vector)
        }
        return cache.vector(u, scratch: workspace.vector) { computeVector(ofUser: u, in: workspace.scoring, into: $0) }
    }

    /// `Scorer.userVectors` for `u` alone: the one way a known user's vector is computed.
    private func computeVector(ofUser u: Int32, in workspace: ScoringWorkspace, into out: UnsafeMutablePointer<Float>) {
        var user = u
        withUnsafePointer(to: &user) { p in
            scorer.userVectors(users: UnsafeBufferPointer(start: p, count: 1), history: { dataset.items(ofUser: $0) },
                               workspace: workspace, into: out)
        }
    }

    /// Full score row after `sequence` (non-empty, real item ids) into `workspace.scores`
    /// (sequence-scored models only).
    func scoreSequence(_ sequence: ArraySlice<Int32>, in workspace: InferenceWorkspace) {
        scorer.sequenceVectors(count: 1, workspace: workspace.scoring, into: workspace.vector) { _ in sequence }
        scorer.scores(userVectors: workspace.vector, rows: 1, into: workspace.scores.baseAddress!)
    }

    /// The user's score row as an array (tests and tools).
    func scores(userIndex u: Int32) -> [Float] {
        pool.withWorkspace { ws in scoreUser(u, in: ws); return Array(ws.scores) }
    }

    func rankUser(_ u: Int32, count: Int, filter: ItemFilter) -> [(id: Int32, score: Float)] {
        pool.withWorkspace { ws in
            scoreUser(u, in: ws)
            return select(ws, count: count, filter: filter, seen: dataset.items(ofUser: u))
        }
    }

    func rankSequence(_ sequence: ArraySlice<Int32>, count: Int, filter: ItemFilter) -> [(id: Int32, score: Float)] {
        pool.withWorkspace { ws in
            scoreSequence(sequence, in: ws)
            return select(ws, count: count, filter: filter, seen: sequence)
        }
    }

    /// Cosine similarity of item `item`'s vector with every item vector, top `count` (the item
    /// itself and padding excluded).
    func rankSimilar(_ item: Int32, count: Int) -> [(id: Int32, score: Float)] {
        pool.withWorkspace { ws in
            let d = scorer.width
            scorer.withItemVectors { table in
                matvec(table, rows: layout.itemCount, columns: d, table + Int(item) * d, into: ws.scores.baseAddress!)
            }
            let s = ws.scores, inverse = inverseItemNorms
            let self_ = inverse[Int(item)]
            for j in 0..<s.count { s[j] = min(1, max(-1, s[j] * self_ * inverse[j])) }
            return topK(scores: UnsafeBufferPointer(s), k: count, excluded: { $0 == item })
        }
    }

    /// Top-`count` of `workspace.scores` under `filter` (`seen` = the query's history).
    func select<S: Sequence>(_ workspace: InferenceWorkspace, count: Int, filter: ItemFilter,
                                     seen: S) -> [(id: Int32, score: Float)] where S.Element == Int32 {
        let scores = UnsafeBufferPointer(workspace.scores)
        if filter.isTrivial { return topK(scores: scores, k: count) }
        filter.fill(mask: workspace.mask, seen: seen)
        let mask = workspace.mask
        return topK(scores: scores, k: count, excluded: { mask[Int($0)] })
    }
}
