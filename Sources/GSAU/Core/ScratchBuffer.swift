/// A reusable, manually managed buffer: allocated once, grown only when a larger size is asked
/// for, so training steps run without allocation. Contents are unspecified after growing.
final class ScratchBuffer<T> {
    private(set) var pointer: UnsafeMutablePointer<T>
    private(set) var capacity: Int

    init(_ count: Int = 0) {
        capacity = max(1, count)
        pointer = .allocate(capacity: capacity)
    }

    deinit { pointer.deallocate() }

    /// Makes room for `count` elements and returns the pointer.
    @discardableResult
    func reserve(_ count: Int) -> UnsafeMutablePointer<T> {
        if count > capacity {
            pointer.deallocate()
            capacity = count
            pointer = .allocate(capacity: count)
        }
        return pointer
    }
}

extension ScratchBuffer where T: Numeric {
    /// Sets the first `count` elements to zero.
    func zero(_ count: Int) { reserve(count).update(repeating: 0, count: count) }
}
