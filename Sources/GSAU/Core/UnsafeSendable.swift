/// A pointer that may cross into `concurrentPerform` workers; each worker touches disjoint memory.
struct UnsafeSendable<P>: @unchecked Sendable {
    let pointer: P
    init(_ pointer: P) { self.pointer = pointer }
}
