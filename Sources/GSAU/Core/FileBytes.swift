import Glibc

/// Reads a whole file into memory with plain POSIX calls (the library does not use Foundation).
/// With `what` ("loading x.gsau"), the file's size is checked against `MemoryLimit` first, so a
/// file larger than the process may hold is refused with `outOfMemory` before it is read.
func readFileBytes(_ path: String, for what: String? = nil) throws -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw GSAUError.io(path: path, message: String(cString: strerror(errno))) }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw GSAUError.io(path: path, message: String(cString: strerror(errno))) }
    if (info.st_mode & S_IFMT) == S_IFDIR { throw GSAUError.io(path: path, message: "is a directory") }
    let size = Int(info.st_size)
    if let what { try MemoryLimit.check(need: size, for: what, counting: "the file's \(size) bytes") }
    // Files under /proc report size 0: read those (and anything that grows) until end of file.
    var bytes = [UInt8](repeating: 0, count: max(size, 65_536))
    var done = 0
    while true {
        if done == bytes.count { bytes.append(contentsOf: repeatElement(0, count: bytes.count)) }
        let n = bytes.withUnsafeMutableBytes { buffer in
            buffer.baseAddress.map { read(fd, $0 + done, buffer.count - done) } ?? 0
        }
        if n < 0 {
            if errno == EINTR { continue }
            throw GSAUError.io(path: path, message: String(cString: strerror(errno)))
        }
        if n == 0 { break }
        done += n
    }
    bytes.removeLast(bytes.count - done)
    return bytes
}
