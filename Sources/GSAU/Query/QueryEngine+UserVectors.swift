extension QueryEngine {
    /// The vector a user is scored with, into `out` [d]: the sequential encoder's output for the
    /// user's whole history (sequential predictors) or the user's LightGCN layer-mean row (graph
    /// predictors). score(u, i) = userVector(u) · itemVector(i) (+ the per-item output bias of
    /// stock BERT4Rec).
    package func userVector(userIndex u: Int32, into out: UnsafeMutablePointer<Float>) throws {
        guard u >= 1 && Int(u) < dataset.users.count else {
            throw GSAUError.unknownID("user index \(u) (the model has users 1..<\(dataset.users.count))")
        }
        let d = config.embeddingSize
        if predictsWithGraph {
            graphMean.withUnsafeBufferPointer { out.update(from: $0.baseAddress! + Int(u) * d, count: d) }
            return
        }
        pool.withWorkspace { ws in
            ws.packed.removeAll()
            ws.encoder!.appendPredictionInput(dataset.items(ofUser: u), to: &ws.packed)
            var unused = RandomGenerator(seed: 0)   // eval mode draws nothing
            parameters.withUnsafeBufferPointer { p in
                ws.encoder!.forward(parameters: p.baseAddress!, batch: ws.packed, training: false, rng: &unused, output: ws.h)
            }
            out.update(from: ws.h, count: d)
        }
    }
}
