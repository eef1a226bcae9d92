/// The mutable state of one query: the scorer's workspace (the sequential encoder and its
/// buffers), the user vector v, the score row and the filter mask.
///
/// A workspace is used by one query at a time; `WorkspacePool` hands them out, so concurrent
/// queries never share one.
final class InferenceWorkspace: @unchecked Sendable {
    let scoring: ScoringWorkspace
    /// v [d]: the query's user vector.
    let vector: UnsafeMutablePointer<Float>
    /// One score row [itemCount] (padding column included).
    let scores: UnsafeMutableBufferPointer<Float>
    /// Exclusion mask [itemCount] of the query's filter.
    let mask: UnsafeMutableBufferPointer<Bool>

    init(scorer: Scorer) {
        scoring = scorer.makeWorkspace()
        vector = .allocate(capacity: scorer.width)
        vector.initialize(repeating: 0, count: scorer.width)
        scores = .allocate(capacity: scorer.itemCount)
        scores.initialize(repeating: 0)
        mask = .allocate(capacity: scorer.itemCount)
        mask.initialize(repeating: false)
    }

    deinit {
        vector.deallocate()
        scores.deallocate()
        mask.deallocate()
    }
}

/// A small lock-protected free list of workspaces: a query takes one (or makes a new one when
/// none is free) and returns it afterwards; at most `limit` idle workspaces are kept.
///
/// With `limit == 0` every query builds and frees its own workspace (measured: a fresh SASRec
/// workspace costs a few hundred small allocations, about 10–20 % of a Beauty-sized top-10 query;
/// the pool removes that for a lock round trip).
final class WorkspacePool: @unchecked Sendable {
    private let idle = Lock<[InferenceWorkspace]>([])
    private let make: @Sendable () -> InferenceWorkspace
    let limit: Int

    init(limit: Int, make: @escaping @Sendable () -> InferenceWorkspace) {
        self.limit = max(0, limit)
        self.make = make
    }

    /// Runs `body` with a workspace no other query is using.
    func withWorkspace<R>(_ body: (InferenceWorkspace) throws -> R) rethrows -> R {
        let workspace = (limit > 0 ? idle.withLock { $0.popLast() } : nil) ?? make()
        defer {
            if limit > 0 { idle.withLock { if $0.count < limit { $0.append(workspace) } } }
        }
        return try body(workspace)
    }

    /// Number of idle workspaces (for tests).
    var idleCount: Int { idle.withLock { $0.count } }
}
