import Glibc
import Synchronization

/// A file written front to back in pieces and published atomically, as `writeFileAtomically`
/// publishes a whole byte array: the pieces go to `<path>.tmp.<pid>.<n>` in the same folder (`n`
/// counts the process's streams, so two threads saving to one path never share a temporary file);
/// `commit()` fsyncs it, renames it over `path` and fsyncs the folder. Until `commit()` succeeds,
/// `path` is left as it was; a stream that is discarded, fails or is released without a commit
/// removes its temporary file. A process killed before `commit()` leaves its temporary file behind
/// (nothing runs on SIGKILL); `path` is still the old file or the new one, never a mix.
///
/// One writer per stream (a stream is not thread-safe).
final class AtomicFileStream {
    /// Numbers the process's temporary files.
    private static let serial = Atomic<Int>(0)

    let path: String
    let temporary: String
    private var fd: Int32
    /// Set once the temporary file is renamed (`committed`) or removed (`discarded`).
    private var committed = false, discarded = false

    init(path: String) throws {
        self.path = path
        temporary = "\(path).tmp.\(getpid()).\(Self.serial.add(1, ordering: .relaxed).newValue)"
        fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let error = ioError(path, "cannot create \(temporary)")
            discarded = true                             // nothing to remove
            throw error
        }
    }

    deinit { discard() }

    /// Appends `bytes` to the temporary file. On failure the temporary file is removed.
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard fd >= 0 else { throw GSAUError.io(path: path, message: "write after the file was closed") }
        do {
            try writeAll(fd, bytes, path: path)
        } catch {
            discard()
            throw error
        }
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Makes the file durable and moves it to `path`. On failure the temporary file is removed
    /// and `path` is left as it was.
    func commit() throws {
        guard fd >= 0 else { throw GSAUError.io(path: path, message: "commit after the file was closed") }
        defer { if !committed { discard() } }
        guard fsync(fd) == 0 else { throw ioError(path, "fsync failed") }
        let closed = close(fd)
        fd = -1
        guard closed == 0 else { throw ioError(path, "close failed") }
        guard rename(temporary, path) == 0 else { throw ioError(path, "rename failed") }
        committed = true
        // Make the rename durable.
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let dfd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }
    }

    /// Closes and removes the temporary file (no-op after `commit()` or a previous discard).
    func discard() {
        if fd >= 0 { close(fd); fd = -1 }
        if !committed && !discarded { unlink(temporary) }
        discarded = true
    }
}

/// A test seam: the bytes `writeAll` may still write in this process before every write fails
/// with ENOSPC, as on a full disk (-1, the default: no limit). Only tests set it.
enum FileWriteFault {
    static let remainingBytes = Atomic<Int>(-1)

    /// How many of `wanted` bytes the next write may pass on (0: fail it with ENOSPC).
    static func allowance(_ wanted: Int) -> Int {
        let budget = remainingBytes.load(ordering: .relaxed)
        guard budget >= 0 else { return wanted }
        let granted = min(wanted, budget)
        remainingBytes.store(budget - granted, ordering: .relaxed)
        return granted
    }
}

/// Writes all of `bytes` to `fd`, continuing after short writes and EINTR. `path` names the file
/// in the error.
func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
    guard let base = bytes.baseAddress else { return }
    var written = 0
    while written < bytes.count {
        let chunk = FileWriteFault.allowance(bytes.count - written)
        guard chunk > 0 else {
            errno = ENOSPC
            throw ioError(path, "write failed")
        }
        let n = Glibc.write(fd, base + written, chunk)
        if n < 0 {
            if errno == EINTR { continue }
            throw ioError(path, "write failed")
        }
        written += n
    }
}

/// A `GSAUError.io` for `path` with `what` and the current `errno`'s text.
func ioError(_ path: String, _ what: String) -> GSAUError {
    GSAUError.io(path: path, message: "\(what): \(String(cString: strerror(errno)))")
}
