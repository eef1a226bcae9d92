import CBLAS
import Dispatch

/// Read-only, reentrant queries on a trained model: top-K recommendations for known users, for
/// anonymous item sequences and for batches of users, and similar items.
///
/// An engine is an immutable snapshot of a model: its `Scorer` (the one scoring rule, docs/MODEL.md
/// §7.1; graph-scored models propagate once when the engine is built), the dataset's id maps and
/// histories, and the item norms `similarItems` needs. Each query scores in its own workspace
/// (see `WorkspacePool`). A sequence-scored known user's vector is computed once, by the first
/// single-user query that needs it, and kept (`UserVectorCache`: the same bits as computing it
/// again); batches use the kept vectors and encode the other users together, uncached.
///
/// Thread safety: every method may be called from any number of threads at once. The engine's
/// model and data never change after `init`; per-query state lives in workspaces taken from a
/// lock-protected pool, and cached user vectors are published with atomics.
/// Build an engine once (the `GSAUModel` query helpers build one per call) and share it; an engine
/// keeps scoring with the parameters it was built from.
///
/// Conventions of every query:
/// - ids are raw ids (the tokens of the data file) in and out; the padding item is never returned;
/// - `count` must be positive; when fewer candidates remain, all of them are returned (so a
///   result may be shorter than `count`, and empty when a filter removes every item);
/// - results are ordered by score (descending), ties by dense item id (ascending), as `topK`;
///   items whose score is NaN are never returned;
/// - unknown users or items throw `GSAUError.unknownID` naming the id;
/// - filters: `allowedItems` (when given) restricts the candidates, then `excludedItems` and,
///   with `filterSeen`, the history's items are removed.
public final class QueryEngine: @unchecked Sendable {
    public let config: ModelConfig
    public let dataset: Dataset
    public let layout: ParameterLayout
    /// The scoring rule over the model's parameters.
    public let scorer: Scorer
    /// 1 / ‖w_i‖ of the item vectors `similarItems` compares (0 for a zero vector and for padding).
    let inverseItemNorms: [Float]
    let pool: WorkspacePool
    /// Known users' vectors, computed once each (sequence-scored models, when the memory limit
    /// allows; see `UserVectorCache` and `QueryMemory.swift`); nil scores every query afresh.
    let userVectorCache: UserVectorCache?

    /// Whether scores come from the graph encoder (then sequence queries are not available).
    public var predictsWithGraph: Bool { config.predictWithGraph }
    /// Number of score columns: items including the padding id 0.
    public var itemCount: Int { layout.itemCount }

    /// Builds the engine for `model`. For graph-scored models this runs one LightGCN propagation
    /// (the only costly part). Throws `outOfMemory` first when the engine would take the process
    /// over its memory limit (`QueryMemory.swift`). `poolLimit` caps the idle workspaces kept (default: twice the CPU
    /// count; 0 = a fresh workspace per query).
    public convenience init(model: GSAUModel) throws { try self.init(model: model, poolLimit: 2 * processorCount) }

    init(model: GSAUModel, poolLimit: Int) throws {
        let engineBytes = Self.engineMemoryEstimate(model: model)
        try MemoryLimit.check(need: engineBytes, for: "building the query engine",
                              counting: "the scoring tables, item norms and one workspace")
        config = model.config
        dataset = model.dataset
        layout = model.layout
        let scorer = try Scorer(model: model)
        self.scorer = scorer
        let items = layout.itemCount, d = scorer.width
        var inverse = [Float](repeating: 0, count: items)
        scorer.withItemVectors { table in
            for i in 1..<max(1, items) {
                var s: Float = 0
                for j in 0..<d { s += table[i * d + j] * table[i * d + j] }
                let norm = s.squareRoot()
                inverse[i] = norm > 0 && norm.isFinite ? 1 / norm : 0
            }
        }
        inverseItemNorms = inverse
        pool = WorkspacePool(limit: poolLimit) { InferenceWorkspace(scorer: scorer) }
        userVectorCache = Self.makeUserVectorCache(model: model, width: d, engineBytes: engineBytes)
    }

    // MARK: - Public queries (raw ids)

    /// The top-`count` items for a known user, from everything the user interacted with (nothing
    /// held out: the history after the data ends). `filterSeen` removes all of the user's items.
    public func recommend(user: String, count: Int, filterSeen: Bool = false,
                          allowedItems: [String]? = nil, excludedItems: [String]? = nil) throws -> [(item: String, score: Float)] {
        try checkCount(count)
        let u = try userIndex(user)
        let filter = try itemFilter(filterSeen: filterSeen, allowed: allowedItems, excluded: excludedItems)
        return tokens(rankUser(u, count: count, filter: filter))
    }

    /// The top-`count` items after an anonymous user's item sequence (oldest first), without
    /// retraining. Only the last `config.maxSequenceLength` items reach the encoder (the training
    /// window); `filterSeen` removes every item of the sequence. Repeated items are allowed.
    ///
    /// Graph-predicting models (DirectAU, GraphAU) score known users only: they throw
    /// `invalidArgument`. An empty sequence throws `invalidArgument`.
    public func recommend(sequence items: [String], count: Int, filterSeen: Bool = false,
                          allowedItems: [String]? = nil, excludedItems: [String]? = nil) throws -> [(item: String, score: Float)] {
        try checkCount(count)
        try checkSequenceQueries()
        guard !items.isEmpty else { throw GSAUError.invalidArgument("the item sequence is empty") }
        let sequence = try items.map { try itemIndex($0) }
        let filter = try itemFilter(filterSeen: filterSeen, allowed: allowedItems, excluded: excludedItems)
        return tokens(rankSequence(sequence[...], count: count, filter: filter))
    }

    /// `recommend(user:...)` for many users, computed in parallel; `result[b]` is exactly what
    /// `recommend(user: users[b], ...)` returns. Every id is checked before any work starts.
    public func recommend(users: [String], count: Int, filterSeen: Bool = false,
                          allowedItems: [String]? = nil, excludedItems: [String]? = nil) throws -> [[(item: String, score: Float)]] {
        try checkCount(count)
        let indices = try users.map { try userIndex($0) }
        let filter = try itemFilter(filterSeen: filterSeen, allowed: allowedItems, excluded: excludedItems)
        try checkBatchMemory(users: indices.count, count: count, blockTokens: 0)   // the per-user path: no block encoder pass
        var results = [[(item: String, score: Float)]](repeating: [], count: indices.count)
        results.withUnsafeMutableBufferPointer { out in
            let out = UnsafeSendable(out.baseAddress!)
            concurrentForEach(indices.count) { b in
                out.pointer[b] = self.tokens(self.rankUser(indices[b], count: count, filter: filter))
            }
        }
        return results
    }

    /// The `count` items most similar to `item` by cosine similarity of item vectors: the raw item
    /// table for sequential predictors, the item layer-mean rows for graph predictors. The item
    /// itself and padding are excluded; a zero vector has similarity 0 to everything; values are
    /// clamped to [-1, 1] (rounding).
    public func similarItems(to item: String, count: Int) throws -> [(item: String, score: Float)] {
        try checkCount(count)
        return tokens(rankSimilar(try itemIndex(item), count: count))
    }

    // MARK: - Index-level queries (dense ids, caller buffers; for the C API)

    /// Top-`count` for dense user id `userIndex` (1..<users.count) into `ids[0..<n]`,
    /// `scores[0..<n]`; returns n ≤ count. Buffers hold at least `count` entries.
    package func recommend(userIndex: Int32, count: Int, filter: ItemFilter,
                           ids: UnsafeMutablePointer<Int32>, scores: UnsafeMutablePointer<Float>) throws -> Int {
        try checkCount(count)
        try checkUser(userIndex)
        try check(filter)
        return write(rankUser(userIndex, count: count, filter: filter), ids: ids, scores: scores)
    }

    /// Top-`count` after a sequence of dense item ids (oldest first); see `recommend(sequence:...)`.
    package func recommend(sequence: UnsafeBufferPointer<Int32>, count: Int, filter: ItemFilter,
                           ids: UnsafeMutablePointer<Int32>, scores: UnsafeMutablePointer<Float>) throws -> Int {
        try checkCount(count)
        try checkSequenceQueries()
        guard !sequence.isEmpty else { throw GSAUError.invalidArgument("the item sequence is empty") }
        for i in sequence { try checkItem(i) }
        try check(filter)
        return write(rankSequence(Array(sequence)[...], count: count, filter: filter), ids: ids, scores: scores)
    }

    /// Batch of dense user ids, in parallel. Row b of `ids`/`scores` starts at `b * count`;
    /// `counts[b]` receives the number written for row b. Every id is checked first.
    package func recommend(userIndices: UnsafeBufferPointer<Int32>, count: Int, filter: ItemFilter,
                           ids: UnsafeMutablePointer<Int32>, scores: UnsafeMutablePointer<Float>,
                           counts: UnsafeMutablePointer<Int32>) throws {
        try checkBatch(userIndices: userIndices, count: count, filter: filter)
        if userIndices.count >= Self.blockedBatchThreshold {
            recommendBlocked(userIndices: userIndices, count: count, filter: filter, ids: ids, scores: scores, counts: counts)
            return
        }
        let out = UnsafeSendable((ids, scores, counts)), users = UnsafeSendable(userIndices)
        concurrentForEach(userIndices.count) { b in
            let (ids, scores, counts) = out.pointer
            let top = self.rankUser(users.pointer[b], count: count, filter: filter)
            counts[b] = Int32(self.write(top, ids: ids + b * count, scores: scores + b * count))
        }
    }

    /// Similar items of dense item id `itemIndex`; see `similarItems(to:count:)`.
    package func similarItems(toIndex itemIndex: Int32, count: Int,
                              ids: UnsafeMutablePointer<Int32>, scores: UnsafeMutablePointer<Float>) throws -> Int {
        try checkCount(count)
        try checkItem(itemIndex)
        return write(rankSimilar(itemIndex, count: count), ids: ids, scores: scores)
    }
}

/// Runs `body(0..<n)` in parallel (one call serially); each index exactly once.
private func concurrentForEach(_ n: Int, _ body: @escaping (Int) -> Void) {
    if n == 1 { body(0); return }
    if n == 0 { return }
    let job = UnsafeSendable(body)
    DispatchQueue.concurrentPerform(iterations: n) { job.pointer($0) }
}
