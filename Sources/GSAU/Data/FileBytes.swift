import Glibc

/// Reads a whole file into memory with plain POSIX calls (the library does not use Foundation).
func readFileBytes(_ path: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw GSAUError.io(path: path, message: String(cString: strerror(errno))) }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw GSAUError.io(path: path, message: String(cString: strerror(errno))) }
    if (info.st_mode & S_IFMT) == S_IFDIR { throw GSAUError.io(path: path, message: "is a directory") }
    var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
    var done = 0
    while done < bytes.count {
        let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + done, $0.count - done) }
        if n < 0 {
            if errno == EINTR { continue }
            throw GSAUError.io(path: path, message: String(cString: strerror(errno)))
        }
        if n == 0 { break }
        done += n
    }
    if done < bytes.count { bytes.removeLast(bytes.count - done) }
    return bytes
}
