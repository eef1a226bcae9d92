import Glibc

/// Reads a whole file into memory with plain POSIX calls (the library does not use Foundation).
func readFileBytes(_ path: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw GSAUError.io(path: path, message: String(cString: strerror(errno))) }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw GSAUError.io(path: path, message: String(cString: strerror(errno))) }
    if (info.st_mode & S_IFMT) == S_IFDIR { throw GSAUError.io(path: path, message: "is a directory") }
    // Files under /proc report size 0: read those (and anything that grows) until end of file.
    var bytes = [UInt8](repeating: 0, count: max(Int(info.st_size), 65_536))
    var done = 0
    while true {
        if done == bytes.count { bytes.append(contentsOf: repeatElement(0, count: bytes.count)) }
        let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + done, $0.count - done) }
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
