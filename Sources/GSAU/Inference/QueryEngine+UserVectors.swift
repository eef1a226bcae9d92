extension QueryEngine {
    /// The vector a user is scored with, into `out` [d] (docs/MODEL.md §7.1): the sequential
    /// encoder's output for the user's whole history, or the user's LightGCN layer-mean row.
    /// score(u, i) = userVector(u) · itemVector(i) (+ the per-item output bias of stock BERT4Rec).
    package func userVector(userIndex u: Int32, into out: UnsafeMutablePointer<Float>) throws {
        guard u >= 1 && Int(u) < dataset.users.count else {
            throw GSAUError.unknownID("user index \(u) (the model has users 1..<\(dataset.users.count))")
        }
        var user = u
        pool.withWorkspace { ws in
            withUnsafePointer(to: &user) { p in
                scorer.userVectors(users: UnsafeBufferPointer(start: p, count: 1), history: { dataset.items(ofUser: $0) },
                                   workspace: ws.scoring, into: out)
            }
        }
    }

    /// The item vectors scores are computed with, row-major [itemCount, d] (row 0 = padding).
    public func itemVectors() -> [Float] {
        scorer.withItemVectors { Array(UnsafeBufferPointer(start: $0, count: layout.itemCount * config.embeddingSize)) }
    }
}
