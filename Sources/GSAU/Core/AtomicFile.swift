/// Writes `bytes` to `path` atomically, as leveldb replaces its CURRENT file: write
/// `<path>.tmp.<pid>.<n>` in the same folder, fsync it, rename it over `path`, fsync the folder.
/// On any error the temporary file is removed and `path` is left as it was. (A file written in
/// pieces: `AtomicFileStream`, which this uses.)
public func writeFileAtomically(_ path: String, bytes: [UInt8]) throws {
    let stream = try AtomicFileStream(path: path)
    try stream.write(bytes)
    try stream.commit()
}

/// Writes text atomically (UTF-8).
public func writeFileAtomically(_ path: String, text: String) throws {
    try writeFileAtomically(path, bytes: Array(text.utf8))
}
