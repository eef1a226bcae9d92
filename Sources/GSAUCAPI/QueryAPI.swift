import GSAU
import GSAUHeader

// gsau_model_save/load, id lookups and queries: argument checks and conversions only.

@_cdecl("gsau_model_save")
public func gsau_model_save(_ m: OpaquePointer?, _ path: UnsafePointer<CChar>?) -> gsau_status {
    withStatus("gsau_model_save") {
        let model = try resolveModel(m).model
        guard let path else { throw BoundaryError.invalid("path is NULL") }
        try model.save(to: String(cString: path))
    }
}

@_cdecl("gsau_model_load")
public func gsau_model_load(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ path: UnsafePointer<CChar>?) -> gsau_status {
    withStatus("gsau_model_load") {
        guard let out else { throw BoundaryError.invalid("out is NULL") }
        guard let path else { throw BoundaryError.invalid("path is NULL") }
        let model = try GSAUModel.load(from: String(cString: path))
        out.pointee = register(try ModelHandle(model, result: nil))
    }
}

@_cdecl("gsau_model_user_index")
public func gsau_model_user_index(_ m: OpaquePointer?, _ userID: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<Int32>?) -> gsau_status {
    withStatus("gsau_model_user_index") {
        let model = try resolveModel(m).model
        guard let out else { throw BoundaryError.invalid("out is NULL") }
        out.pointee = try denseIndex(model.dataset.users, userID, "user")
    }
}

@_cdecl("gsau_model_user_id")
public func gsau_model_user_id(_ m: OpaquePointer?, _ user: Int32, _ out: UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> gsau_status {
    withStatus("gsau_model_user_id") {
        let handle = try resolveModel(m)
        guard let out else { throw BoundaryError.invalid("out is NULL") }
        out.pointee = try rawID(handle.userTokens, user, "user")
    }
}

@_cdecl("gsau_query_init")
public func gsau_query_init(_ q: UnsafeMutablePointer<gsau_query>?) {
    guard let q else { return }
    q.pointee = gsau_query(struct_size: UInt32(MemoryLayout<gsau_query>.size), filter_seen: 0,
                           allowed_items: nil, n_allowed: 0, excluded_items: nil, n_excluded: 0)
}

/// The engine's filter for a gsau_query (no filter when NULL).
func itemFilter(_ q: UnsafePointer<gsau_query>?) throws -> ItemFilter {
    guard let q else { return ItemFilter() }
    let o = q.pointee
    try checkStructSize(o.struct_size, minimum: MemoryLayout<gsau_query>.size, "gsau_query")
    guard o.filter_seen == 0 || o.filter_seen == 1 else { throw BoundaryError.invalid("q->filter_seen must be 0 or 1 (got \(o.filter_seen))") }
    guard o.n_allowed >= 0, o.n_excluded >= 0 else { throw BoundaryError.invalid("q->n_allowed and q->n_excluded must be >= 0") }
    guard o.n_allowed == 0 || o.allowed_items != nil else { throw BoundaryError.invalid("q->allowed_items is NULL but n_allowed is \(o.n_allowed)") }
    guard o.n_excluded == 0 || o.excluded_items != nil else { throw BoundaryError.invalid("q->excluded_items is NULL but n_excluded is \(o.n_excluded)") }
    let allowed = o.allowed_items.map { p in (0..<Int(o.n_allowed)).map { p[$0] } }
    let excluded = o.excluded_items.map { p in (0..<Int(o.n_excluded)).map { p[$0] } } ?? []
    return ItemFilter(excludeSeen: o.filter_seen == 1, allowed: allowed, excluded: excluded)
}

private func checkOutputs(_ k: Int32, _ items: UnsafeMutablePointer<Int32>?, _ scores: UnsafeMutablePointer<Float>?) throws
    -> (UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Float>) {
    guard k > 0 else { throw BoundaryError.invalid("k must be positive (got \(k))") }
    guard let items, let scores else { throw BoundaryError.invalid("items and scores must not be NULL") }
    return (items, scores)
}

@_cdecl("gsau_model_recommend")
public func gsau_model_recommend(_ m: OpaquePointer?, _ user: Int32, _ k: Int32, _ q: UnsafePointer<gsau_query>?,
                                 _ items: UnsafeMutablePointer<Int32>?, _ scores: UnsafeMutablePointer<Float>?,
                                 _ count: UnsafeMutablePointer<Int32>?) -> gsau_status {
    withStatus("gsau_model_recommend") {
        let engine = try resolveModel(m).engine
        let (ids, values) = try checkOutputs(k, items, scores)
        guard let count else { throw BoundaryError.invalid("count is NULL") }
        count.pointee = Int32(try engine.recommend(userIndex: user, count: Int(k), filter: try itemFilter(q), ids: ids, scores: values))
    }
}

@_cdecl("gsau_model_recommend_sequence")
public func gsau_model_recommend_sequence(_ m: OpaquePointer?, _ sequence: UnsafePointer<Int32>?, _ length: Int32, _ k: Int32,
                                          _ q: UnsafePointer<gsau_query>?, _ items: UnsafeMutablePointer<Int32>?,
                                          _ scores: UnsafeMutablePointer<Float>?, _ count: UnsafeMutablePointer<Int32>?) -> gsau_status {
    withStatus("gsau_model_recommend_sequence") {
        let engine = try resolveModel(m).engine
        let (ids, values) = try checkOutputs(k, items, scores)
        guard let count else { throw BoundaryError.invalid("count is NULL") }
        guard let sequence, length > 0 else { throw BoundaryError.invalid("the sequence is empty (sequence NULL or length \(length))") }
        count.pointee = Int32(try engine.recommend(sequence: UnsafeBufferPointer(start: sequence, count: Int(length)),
                                                   count: Int(k), filter: try itemFilter(q), ids: ids, scores: values))
    }
}

@_cdecl("gsau_model_recommend_batch")
public func gsau_model_recommend_batch(_ m: OpaquePointer?, _ users: UnsafePointer<Int32>?, _ nUsers: Int32, _ k: Int32,
                                       _ q: UnsafePointer<gsau_query>?, _ items: UnsafeMutablePointer<Int32>?,
                                       _ scores: UnsafeMutablePointer<Float>?, _ counts: UnsafeMutablePointer<Int32>?) -> gsau_status {
    withStatus("gsau_model_recommend_batch") {
        let engine = try resolveModel(m).engine
        let (ids, values) = try checkOutputs(k, items, scores)
        guard let users, let counts else { throw BoundaryError.invalid("users and counts must not be NULL") }
        guard nUsers > 0 else { throw BoundaryError.invalid("n_users must be positive (got \(nUsers))") }
        try engine.recommend(userIndices: UnsafeBufferPointer(start: users, count: Int(nUsers)), count: Int(k),
                             filter: try itemFilter(q), ids: ids, scores: values, counts: counts)
    }
}

@_cdecl("gsau_model_similar_items")
public func gsau_model_similar_items(_ m: OpaquePointer?, _ item: Int32, _ k: Int32, _ items: UnsafeMutablePointer<Int32>?,
                                     _ scores: UnsafeMutablePointer<Float>?, _ count: UnsafeMutablePointer<Int32>?) -> gsau_status {
    withStatus("gsau_model_similar_items") {
        let engine = try resolveModel(m).engine
        let (ids, values) = try checkOutputs(k, items, scores)
        guard let count else { throw BoundaryError.invalid("count is NULL") }
        count.pointee = Int32(try engine.similarItems(toIndex: item, count: Int(k), ids: ids, scores: values))
    }
}
