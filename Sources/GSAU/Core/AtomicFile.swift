import Glibc

/// Writes `bytes` to `path` atomically, as leveldb replaces its CURRENT file: write
/// `<path>.tmp.<pid>` in the same folder, fsync it, rename it over `path`, fsync the folder.
/// On any error the temporary file is removed and `path` is left as it was.
public func writeFileAtomically(_ path: String, bytes: [UInt8]) throws {
    let temporary = "\(path).tmp.\(getpid())"
    func failure(_ what: String) -> GSAUError {
        GSAUError.io(path: path, message: "\(what): \(String(cString: strerror(errno)))")
    }
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw failure("cannot create \(temporary)") }
    var ok = false
    defer { if !ok { unlink(temporary) } }
    var written = 0
    while written < bytes.count {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
        if n < 0 {
            if errno == EINTR { continue }
            let error = failure("write failed"); close(fd); throw error
        }
        written += n
    }
    guard fsync(fd) == 0 else { let error = failure("fsync failed"); close(fd); throw error }
    guard close(fd) == 0 else { throw failure("close failed") }
    guard rename(temporary, path) == 0 else { throw failure("rename failed") }
    ok = true
    // Make the rename durable.
    let slash = path.lastIndex(of: "/")
    let folder = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
    let dfd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if dfd >= 0 { _ = fsync(dfd); close(dfd) }
}

/// Writes text atomically (UTF-8).
public func writeFileAtomically(_ path: String, text: String) throws {
    try writeFileAtomically(path, bytes: Array(text.utf8))
}
