#if canImport(Glibc)
import Glibc
#endif

/// A mutual-exclusion lock over `pthread_mutex_t`, protecting a value.
///
/// Used instead of `Synchronization.Mutex` because ThreadSanitizer intercepts pthread mutexes but
/// not `Mutex` (whose futex and atomics live in the uninstrumented standard library): with
/// `Mutex`, every hand-over of a pooled workspace between threads was reported as a race
/// (`swift test --sanitize=thread --filter Query`); with this lock the query tests run clean.
final class Lock<Value>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        let status = pthread_mutex_init(mutex, nil)
        precondition(status == 0, "pthread_mutex_init failed (\(status))")
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` with exclusive access to the value.
    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
