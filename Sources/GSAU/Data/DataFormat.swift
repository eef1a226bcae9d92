/// The interaction file formats the data pipeline reads.
public enum DataFormat: String, Sendable, CaseIterable {
    /// One line per user, `user item item ...`, items oldest first (e.g. `beauty.txt`).
    case sequence
    /// RecBole atomic `.inter`: tab-separated, typed header (`user_id:token item_id:token timestamp:float`).
    case atomic
    /// CSV with a header naming `user`, `item` and optionally `timestamp` columns.
    case csv

    /// Picks the format from the file name, then from the first line:
    /// `.inter` → atomic, `.csv` → csv; otherwise a header with `name:type` fields → atomic,
    /// a first line with commas → csv, anything else → sequence.
    static func detect(path: String, bytes: [UInt8]) -> DataFormat {
        let lower = path.lowercased()
        if lower.hasSuffix(".inter") { return .atomic }
        if lower.hasSuffix(".csv") { return .csv }
        // Byte by byte (the characters sought are ASCII, which UTF-8 never uses inside another
        // character): a first line of many megabytes costs one pass, not a String's.
        let firstLine = bytes.prefix { $0 != 0x0A }
        if firstLine.contains(0x09) && firstLine.contains(0x3A) { return .atomic }       // tab and ':'
        if firstLine.contains(0x2C) { return .csv }                                        // ','
        return .sequence
    }

    func read(path: String, bytes: [UInt8]) throws -> RawInteractions {
        switch self {
        case .sequence: return try readSequenceFile(path: path, bytes: bytes)
        case .atomic: return try readAtomicFile(path: path, bytes: bytes)
        case .csv: return try readCSVFile(path: path, bytes: bytes)
        }
    }
}
