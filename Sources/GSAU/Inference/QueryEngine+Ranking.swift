// Scoring and ranking for validated queries: every path goes through the model's `Scorer`.
extension QueryEngine {
    /// Full score row for a known user (all items as history) into `workspace.scores`.
    func scoreUser(_ u: Int32, in workspace: InferenceWorkspace) {
        var user = u
        withUnsafePointer(to: &user) { p in
            scorer.userVectors(users: UnsafeBufferPointer(start: p, count: 1), history: { dataset.items(ofUser: $0) },
                               workspace: workspace.scoring, into: workspace.vector)
        }
        scorer.scores(userVectors: workspace.vector, rows: 1, into: workspace.scores.baseAddress!)
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
