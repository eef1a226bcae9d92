extension GSAUModel {
    /// The query engine for the model's current parameters: built on first use, then shared by
    /// every query and thread; rebuilt when `parameters` has changed since (e.g. during training).
    ///
    /// Queries are reentrant as long as nothing mutates the model at the same time (training
    /// writes `parameters`; do not train and query one model concurrently).
    public var queryEngine: QueryEngine {
        engineSlot.withLock { cached in
            if let engine = cached { return engine }
            let engine = QueryEngine(model: self)
            cached = engine
            return engine
        }
    }

    /// See `QueryEngine.recommend(user:count:filterSeen:allowedItems:excludedItems:)`.
    public func recommend(user: String, count: Int, filterSeen: Bool = false,
                          allowedItems: [String]? = nil, excludedItems: [String]? = nil) throws -> [(item: String, score: Float)] {
        try queryEngine.recommend(user: user, count: count, filterSeen: filterSeen,
                                  allowedItems: allowedItems, excludedItems: excludedItems)
    }

    /// See `QueryEngine.recommend(sequence:count:filterSeen:allowedItems:excludedItems:)`.
    public func recommend(sequence items: [String], count: Int, filterSeen: Bool = false,
                          allowedItems: [String]? = nil, excludedItems: [String]? = nil) throws -> [(item: String, score: Float)] {
        try queryEngine.recommend(sequence: items, count: count, filterSeen: filterSeen,
                                  allowedItems: allowedItems, excludedItems: excludedItems)
    }

    /// See `QueryEngine.recommend(users:count:filterSeen:allowedItems:excludedItems:)`.
    public func recommend(users: [String], count: Int, filterSeen: Bool = false,
                          allowedItems: [String]? = nil, excludedItems: [String]? = nil) throws -> [[(item: String, score: Float)]] {
        try queryEngine.recommend(users: users, count: count, filterSeen: filterSeen,
                                  allowedItems: allowedItems, excludedItems: excludedItems)
    }

    /// See `QueryEngine.similarItems(to:count:)`.
    public func similarItems(to item: String, count: Int) throws -> [(item: String, score: Float)] {
        try queryEngine.similarItems(to: item, count: count)
    }
}
