/// What building a query engine and answering a batch query allocate, estimated from the model's
/// sizes and the request before anything is allocated; over the process's memory limit
/// (`MemoryLimit`) or the memory available, the work is refused with `GSAUError.outOfMemory`.
extension QueryEngine {
    /// The engine: for graph-scored models the scorer's LightGCN layers and mean over every node
    /// and the normalised adjacency (two entries per training edge each way); the item norms;
    /// one workspace (a user vector, a score row and a filter mask). The user vector cache is
    /// counted on top of this in `makeUserVectorCache`, and left out when it does not fit.
    static func engineMemoryEstimate(model: GSAUModel) -> Int {
        let config = model.config, layout = model.layout
        var bytes = ByteCount()
        if config.predictWithGraph {
            bytes.add(config.graphLayers + 2, layout.userCount + layout.itemCount, config.embeddingSize)
            bytes.add(4, model.dataset.interactionCount, width: 12)
        }
        bytes.add(layout.itemCount)
        bytes.add(layout.itemCount, width: 5)
        return bytes.value
    }

    /// A batch of `users` users' top-`count` lists: one block's user vectors (cached rows and the
    /// batched encoder's output for the others) and the encoder's buffers for `blockTokens` tokens
    /// of at most one block of sequences (`encoderActivationBytes`; the pooled workspace that ran
    /// the pass keeps them), its rows' score tiles and filter masks, per worker a workspace (a
    /// score row and a mask; short batches score each user alone, in parallel), the block's
    /// result rows and their top-K heaps.
    func batchMemoryEstimate(users: Int, count: Int, blockTokens: Int) -> Int {
        let rows = min(users, Self.scoringBlock), slots = min(count, max(1, itemCount - 1))
        var bytes = ByteCount()
        bytes.add(2, rows, scorer.width)
        bytes.add(Self.encoderActivationBytes(config: config, sequences: rows, tokens: blockTokens), width: 1)
        bytes.add(rows, min(itemCount, Self.scoringTileItems))
        bytes.add(rows, itemCount, width: 1)
        bytes.add(processorCount, itemCount, width: 5)
        bytes.add(2, rows, slots, width: 8)
        return bytes.value
    }

    /// The sequential encoder's forward buffers (eval mode) for `tokens` tokens in `sequences`
    /// sequences, in Float32: per token the embedding stage (4d + 2), the packed input (item and
    /// position) and per layer q|k|v, the attention probabilities over the window, context,
    /// residuals, LayerNorm outputs and statistics, dropout masks and the feed-forward
    /// pre-activation and activation (11d + 2·inner + heads·window + 4); BERT4Rec's output head
    /// (3d + 2 per sequence). 0 for graph-scored models, which run no encoder.
    static func encoderActivationBytes(config: ModelConfig, sequences: Int, tokens: Int) -> Int {
        guard !config.predictWithGraph else { return 0 }
        let d = config.embeddingSize, window = config.maxSequenceLength
        var bytes = ByteCount()
        bytes.add(tokens, 4 * d + 2 + 2)
        bytes.add(tokens, config.transformerLayers, 11 * d + 2 * config.innerSize + config.heads * window + 4)
        if config.sequentialEncoder == .bert4rec { bytes.add(sequences, 3 * d + 2) }
        return bytes.value
    }

    /// The most tokens one blocked-path encoder pass over `userIndices` reads: per block of
    /// `scoringBlock` users, each user's last `maxSequenceLength` items, summed (a block whose
    /// users are all uncached encodes them all); 0 below `blockedBatchThreshold` (single-user
    /// path) and for graph-scored models.
    func largestBlockTokens(_ userIndices: UnsafeBufferPointer<Int32>) -> Int {
        guard !config.predictWithGraph, userIndices.count >= Self.blockedBatchThreshold else { return 0 }
        var largest = 0, start = 0
        while start < userIndices.count {
            let end = min(userIndices.count, start + Self.scoringBlock)
            var tokens = 0
            for u in userIndices[start..<end] { tokens += min(dataset.items(ofUser: u).count, config.maxSequenceLength) }
            largest = max(largest, tokens)
            start = end
        }
        return largest
    }

    /// The known users' vector cache of a sequence-scored model (`UserVectorCache`: users × `width`
    /// floats and a state byte each), when the engine (`engineBytes`) and the cache together fit
    /// the memory limit; nil otherwise (graph-scored models read their user rows from the scorer's
    /// table; without room the engine scores each query afresh, with the same results).
    static func makeUserVectorCache(model: GSAUModel, width: Int, engineBytes: Int) -> UserVectorCache? {
        guard !model.config.predictWithGraph else { return nil }
        let users = model.dataset.users.count
        var bytes = ByteCount()
        bytes.add(engineBytes, width: 1)
        bytes.add(UserVectorCache.bytes(users: users, width: width), width: 1)
        guard (try? MemoryLimit.check(need: bytes.value, for: "caching user vectors", counting: "")) != nil else { return nil }
        return UserVectorCache(users: users, width: width)
    }

    func checkBatchMemory(users: Int, count: Int, blockTokens: Int) throws {
        try MemoryLimit.check(need: batchMemoryEstimate(users: users, count: count, blockTokens: blockTokens), for: "scoring \(users) users' top \(count)",
                              counting: "one block of \(min(users, Self.scoringBlock)) users' vectors, encoder activations, score tiles and filter masks over \(itemCount) items, the workers' workspaces and the top lists")
    }
}
