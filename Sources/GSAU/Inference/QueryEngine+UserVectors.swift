extension QueryEngine {
    /// The vector a user is scored with, into `out` [scorer.width] (docs/MODEL.md §7.1, §7.5): the sequential
    /// encoder's output for the user's whole history, or the user's LightGCN layer-mean row.
    /// score(u, i) = userVector(u) · itemVector(i) (+ the per-item output bias of stock BERT4Rec).
    package func userVector(userIndex u: Int32, into out: UnsafeMutablePointer<Float>) throws {
        guard u >= 1 && Int(u) < dataset.users.count else {
            throw GSAUError.unknownID("user index \(u) (the model has users 1..<\(dataset.users.count))")
        }
        pool.withWorkspace { ws in out.update(from: vector(ofUser: u, in: ws), count: scorer.width) }
    }

    /// The item vectors scores are computed with, row-major [itemCount, scorer.width] (row 0 = padding).
    public func itemVectors() -> [Float] {
        scorer.withItemVectors { Array(UnsafeBufferPointer(start: $0, count: layout.itemCount * scorer.width)) }
    }

    /// Every user's vector, row-major [dataset.users.count, scorer.width]: row 0 (padding) is zeros, row u
    /// is `userVector(userIndex: u)`. Each user goes through the single-user path (for
    /// sequence-scored models one encoder pass per user not cached yet, users spread over the
    /// cores), so every row equals what a query for that user scores with, bit for bit.
    public func userVectors() -> [Float] {
        let d = scorer.width, users = dataset.users.count
        var table = [Float](repeating: 0, count: users * d)
        guard users > 1 else { return table }
        table.withUnsafeMutableBufferPointer { out in
            let out = UnsafeSendable(out.baseAddress!)
            parallelChunks(users - 1, minimumChunk: 64) { range in
                self.pool.withWorkspace { ws in
                    for r in range {
                        (out.pointer + (r + 1) * d).update(from: self.vector(ofUser: Int32(r + 1), in: ws), count: d)
                    }
                }
            }
        }
        return table
    }

    /// The per-item score bias [itemCount] (row 0 = padding) of the variants with an output bias
    /// (stock BERT4Rec), or nil when scores have none: score(u, i) = v_u · w_i + b_i.
    public func itemBias() -> [Float]? {
        scorer.withItemBias { b in b.map { Array(UnsafeBufferPointer(start: $0, count: layout.itemCount)) } }
    }
}
