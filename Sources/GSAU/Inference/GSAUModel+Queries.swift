extension GSAUModel {
    // One-off queries: each call builds a `QueryEngine` (for graph-scored models one LightGCN
    // propagation). To answer many queries, build one engine and share it: it is reentrant.

    /// See `QueryEngine.recommend(user:count:filterSeen:allowedItems:excludedItems:)`.
    public func recommend(user: String, count: Int, filterSeen: Bool = false,
                          allowedItems: [String]? = nil, excludedItems: [String]? = nil) throws -> [(item: String, score: Float)] {
        try QueryEngine(model: self).recommend(user: user, count: count, filterSeen: filterSeen,
                                  allowedItems: allowedItems, excludedItems: excludedItems)
    }

    /// See `QueryEngine.recommend(sequence:count:filterSeen:allowedItems:excludedItems:)`.
    public func recommend(sequence items: [String], count: Int, filterSeen: Bool = false,
                          allowedItems: [String]? = nil, excludedItems: [String]? = nil) throws -> [(item: String, score: Float)] {
        try QueryEngine(model: self).recommend(sequence: items, count: count, filterSeen: filterSeen,
                                  allowedItems: allowedItems, excludedItems: excludedItems)
    }

    /// See `QueryEngine.recommend(users:count:filterSeen:allowedItems:excludedItems:)`.
    public func recommend(users: [String], count: Int, filterSeen: Bool = false,
                          allowedItems: [String]? = nil, excludedItems: [String]? = nil) throws -> [[(item: String, score: Float)]] {
        try QueryEngine(model: self).recommend(users: users, count: count, filterSeen: filterSeen,
                                  allowedItems: allowedItems, excludedItems: excludedItems)
    }

    /// See `QueryEngine.similarItems(to:count:)`.
    public func similarItems(to item: String, count: Int) throws -> [(item: String, score: Float)] {
        try QueryEngine(model: self).similarItems(to: item, count: count)
    }
}
