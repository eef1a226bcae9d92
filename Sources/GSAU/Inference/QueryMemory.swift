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

    /// A batch of `users` users' top-`count` lists: one block's user vectors, its rows' score
    /// tiles and filter masks, per worker a workspace (a score row and a mask), the block's result
    /// rows and their top-K heaps.
    func batchMemoryEstimate(users: Int, count: Int) -> Int {
        let rows = min(users, Self.scoringBlock), slots = min(count, max(1, itemCount - 1))
        var bytes = ByteCount()
        bytes.add(rows, scorer.width)
        bytes.add(rows, min(itemCount, Self.scoringTileItems))
        bytes.add(rows, itemCount, width: 1)
        bytes.add(processorCount, itemCount, width: 5)
        bytes.add(2, rows, slots, width: 8)
        return bytes.value
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

    func checkBatchMemory(users: Int, count: Int) throws {
        try MemoryLimit.check(need: batchMemoryEstimate(users: users, count: count), for: "scoring \(users) users' top \(count)",
                              counting: "one block of \(min(users, Self.scoringBlock)) users' score tiles and filter masks over \(itemCount) items, the workers' workspaces and the top lists")
    }
}
