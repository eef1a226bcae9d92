import Synchronization

/// The process-wide memory cap (bytes) the engine checks before large allocations, in the style of
/// sqlite3_soft_heap_limit64: training, loading a checkpoint or a dataset, and batch queries
/// estimate what they will allocate first and refuse with `GSAUError.outOfMemory` (naming the
/// need and the cap) when it exceeds this cap or the memory available now. 0 = no cap beyond
/// the memory available. One setting for the whole process (the C API's `gsau_memory_limit`,
/// the CLI's `--memory-limit`, Python's `gsau.set_memory_limit` all set this one).
public enum MemoryLimit {
    private static let bytes = Atomic<Int>(0)

    /// The cap in bytes (0 = none beyond the memory available).
    public static var current: Int { bytes.load(ordering: .relaxed) }

    /// Sets the cap (0 = none) and returns the previous one. Throws `invalidArgument` for a
    /// negative value (nothing changes then).
    @discardableResult
    public static func set(_ newValue: Int) throws -> Int {
        guard newValue >= 0 else { throw GSAUError.invalidArgument("memory limit must be >= 0 bytes (0 = no limit), got \(newValue)") }
        return bytes.exchange(newValue, ordering: .relaxed)
    }

    /// Throws `outOfMemory` when `need` bytes exceed the cap or the memory available now.
    /// `what` says what needs it ("loading x.gsau", "training"), `detail` what the estimate counts.
    static func check(need: Int, for what: String, counting detail: String) throws {
        let limit = current > 0 ? current : nil
        let available = availableMemoryBytes()
        guard let cap = [limit, available].compactMap({ $0 }).min(), need > cap else { return }
        let which = cap == limit ? "the memory limit set is" : "the memory available now is"
        throw GSAUError.outOfMemory("\(what) needs about \(describeBytes(need)) (\(detail)); \(which) \(describeBytes(cap))")
    }
}
