import Synchronization

/// Known users' vectors v_u (docs/MODEL.md §7.1), each computed once and kept for the engine's
/// lifetime: a sequence-scored user's vector depends only on the parameters and the user's stored
/// history, both fixed in an engine, so every later query for that user skips the encoder pass.
///
/// A row holds exactly what the single-user path computes (`Scorer.userVectors` for that one
/// user): a query scores with the same bits whether its user's row was cached or not. (A batched
/// encoder pass rounds differently: its products run over other shapes, so it never fills rows.)
///
/// Rows are filled lazily and concurrently: each row has a state (empty → being written → ready);
/// the thread that moves a row from empty to being written writes it and then publishes it with a
/// release store, and readers use a row only after an acquire load sees it ready. A thread that
/// finds a row empty or being written computes the vector itself (the same bits), so no thread
/// ever waits for another.
final class UserVectorCache: @unchecked Sendable {
    let width: Int
    let userCount: Int
    /// [userCount, width]; row u is initialised, and valid, once `states[u]` is `ready`.
    private let rows: UnsafeMutablePointer<Float>
    private let states: UnsafeMutablePointer<Atomic<UInt8>>
    private static let empty: UInt8 = 0, writing: UInt8 = 1, ready: UInt8 = 2

    /// Bytes a cache of `users` rows of `width` floats takes (rows and states).
    static func bytes(users: Int, width: Int) -> Int {
        var bytes = ByteCount()
        bytes.add(users, width)
        bytes.add(users, width: 1)
        return bytes.value
    }

    init(users: Int, width: Int) {
        self.userCount = max(0, users)
        self.width = width
        // Rows stay uninitialised until written (each exactly once, below): a one-off query's
        // engine does not pay for touching the whole table.
        rows = .allocate(capacity: userCount * width)
        states = .allocate(capacity: userCount)
        for u in 0..<userCount { (states + u).initialize(to: Atomic(Self.empty)) }
    }

    deinit {
        rows.deallocate()
        states.deinitialize(count: userCount)
        states.deallocate()
    }

    /// User `u`'s cached row, or nil when it is not ready yet.
    func row(_ u: Int32) -> UnsafePointer<Float>? {
        let i = Int(u)
        guard i >= 0 && i < userCount, states[i].load(ordering: .acquiring) == Self.ready else { return nil }
        return UnsafePointer(rows + i * width)
    }

    /// User `u`'s vector: the cached row when ready; otherwise `compute` writes it into `scratch`
    /// [width], the row is published when no other thread is writing it, and `scratch` is returned.
    func vector(_ u: Int32, scratch: UnsafeMutablePointer<Float>,
                compute: (UnsafeMutablePointer<Float>) -> Void) -> UnsafePointer<Float> {
        if let cached = row(u) { return cached }
        compute(scratch)
        let i = Int(u)
        if i >= 0 && i < userCount,
           states[i].compareExchange(expected: Self.empty, desired: Self.writing, ordering: .relaxed).exchanged {
            (rows + i * width).initialize(from: scratch, count: width)
            states[i].store(Self.ready, ordering: .releasing)
        }
        return UnsafePointer(scratch)
    }

    /// Number of ready rows (for tests).
    var readyCount: Int { (0..<userCount).reduce(0) { $0 + (states[$1].load(ordering: .acquiring) == Self.ready ? 1 : 0) } }
}
