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
        var firstLine: [UInt8] = []
        for b in bytes { if b == 0x0A { break }; firstLine.append(b) }
        let text = String(decoding: firstLine, as: UTF8.self)
        if text.contains("\t") && text.contains(":") { return .atomic }
        if text.contains(",") { return .csv }
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
