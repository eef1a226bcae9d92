import Glibc
import GSAU
import GSAUHeader

// The thread-local last-error message behind gsau_last_error_message().

private let lastErrorKey: pthread_key_t = {
    var key = pthread_key_t()
    let rc = pthread_key_create(&key) { free($0) }
    assert(rc == 0, "pthread_key_create failed")
    return key
}()

private let emptyMessage: StaticString = ""

func setLastError(_ message: String) {
    let old = pthread_getspecific(lastErrorKey)
    pthread_setspecific(lastErrorKey, strdup(message))
    free(old)
}

func clearLastError() {
    guard let old = pthread_getspecific(lastErrorKey) else { return }
    pthread_setspecific(lastErrorKey, nil)
    free(old)
}

@_cdecl("gsau_last_error_message")
public func gsau_last_error_message() -> UnsafePointer<CChar> {
    if let p = pthread_getspecific(lastErrorKey) { return UnsafePointer(p.assumingMemoryBound(to: CChar.self)) }
    return UnsafeRawPointer(emptyMessage.utf8Start).assumingMemoryBound(to: CChar.self)
}

/// Runs one C entry point: clears the last error, maps thrown errors to a status and message.
func withStatus(_ function: String, _ body: () throws -> Void) -> gsau_status {
    clearLastError()
    do {
        try body()
        return GSAU_OK
    } catch let error as GSAUError {
        setLastError("\(function): \(error)")
        return status(of: error)
    } catch let error as BoundaryError {
        setLastError("\(function): \(error.message)")
        return error.status
    } catch {
        setLastError("\(function): internal error: \(error)")
        return GSAU_E_INTERNAL
    }
}

/// Errors raised by the boundary itself (bad handles, NULL pointers, struct sizes).
struct BoundaryError: Error {
    let status: gsau_status
    let message: String
    static func misuse(_ m: String) -> BoundaryError { BoundaryError(status: GSAU_E_MISUSE, message: "misuse: \(m)") }
    static func invalid(_ m: String) -> BoundaryError { BoundaryError(status: GSAU_E_INVALID_ARGUMENT, message: "invalid argument: \(m)") }
    static func version(_ m: String) -> BoundaryError { BoundaryError(status: GSAU_E_VERSION_MISMATCH, message: "version mismatch: \(m)") }
}

func status(of error: GSAUError) -> gsau_status {
    switch error {
    case .invalidArgument: return GSAU_E_INVALID_ARGUMENT
    case .unknownID: return GSAU_E_UNKNOWN_ID
    case .io: return GSAU_E_IO
    case .malformedInput: return GSAU_E_MALFORMED_INPUT
    case .corruptFile: return GSAU_E_CORRUPT_FILE
    case .versionMismatch: return GSAU_E_VERSION_MISMATCH
    case .aborted: return GSAU_E_ABORTED
    case .numerical: return GSAU_E_NUMERICAL
    case .outOfMemory: return GSAU_E_OUT_OF_MEMORY
    }
}

/// Checks a caller's `struct_size` against the first published layout of a struct. For a struct
/// still at its first layout `minimum` is its current size; a struct that grew passes its first
/// size and goes through `withCallerStruct`, which touches only the bytes the caller has.
func checkStructSize(_ size: UInt32, minimum: Int, _ name: String) throws {
    guard Int(size) >= minimum else {
        throw BoundaryError.version("\(name).struct_size is \(size); this library needs at least \(minimum) (set it to sizeof(\(name)))")
    }
}

/// Runs `body` on a full-size copy of the caller's struct at `p`, whose first `struct_size` bytes
/// (at least `minimum`, the struct's first published size) are the caller's and the rest
/// `defaults`; writes back only those first bytes, and only when `body` succeeds. A caller built
/// against an older header thus keeps working: appended fields are neither read nor written.
func withCallerStruct<T>(_ p: UnsafeMutablePointer<T>, minimum: Int, defaults: T, _ name: String,
                         _ body: (inout T) throws -> Void) throws {
    var copy = try readCallerStruct(UnsafePointer(p), minimum: minimum, defaults: defaults, name)
    try body(&copy)
    let covered = min(Int(UnsafeRawPointer(p).load(as: UInt32.self)), MemoryLayout<T>.size)
    withUnsafeBytes(of: &copy) { bytes in
        if let base = bytes.baseAddress { UnsafeMutableRawPointer(p).copyMemory(from: base, byteCount: covered) }
    }
}

/// The caller's struct at `p` as `withCallerStruct` sees it (read only).
func readCallerStruct<T>(_ p: UnsafePointer<T>, minimum: Int, defaults: T, _ name: String) throws -> T {
    let size = UnsafeRawPointer(p).load(as: UInt32.self)   // struct_size, every struct's first member
    try checkStructSize(size, minimum: minimum, name)
    let covered = min(Int(size), MemoryLayout<T>.size)
    var copy = defaults
    withUnsafeMutableBytes(of: &copy) { $0.copyMemory(from: UnsafeRawBufferPointer(start: p, count: covered)) }
    return copy
}
