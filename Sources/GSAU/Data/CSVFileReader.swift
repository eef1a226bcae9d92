/// Reads a CSV file with a header: columns `user` (or `user_id`), `item` (or `item_id`) and
/// optionally `timestamp` (or `time`), in any order; other columns are ignored. Fields may be
/// double-quoted (`"a,b"`, with `""` for a quote). Rows keep file order.
func readCSVFile(path: String, bytes: [UInt8]) throws -> RawInteractions {
    var userColumn = -1, itemColumn = -1, timeColumn = -1, columnCount = 0
    var table = RawInteractions(path: path, hasTimestamps: false)
    var headerSeen = false
    try forEachLine(bytes) { line in
        if line.isBlank { return }
        let fields = try splitCSV(line, path: path)
        guard headerSeen else {
            columnCount = fields.count
            for (i, name) in fields.enumerated() {
                switch name.lowercased() {
                case "user", "user_id", "userid": userColumn = i
                case "item", "item_id", "itemid": itemColumn = i
                case "timestamp", "time", "ts": timeColumn = i
                default: break
                }
            }
            guard userColumn >= 0, itemColumn >= 0 else {
                throw GSAUError.malformedInput(path: path, line: line.number,
                    message: "CSV header must name a 'user' and an 'item' column (found: \(fields.joined(separator: ",")))")
            }
            table = RawInteractions(path: path, hasTimestamps: timeColumn >= 0)
            headerSeen = true
            return
        }
        guard fields.count == columnCount else {
            throw GSAUError.malformedInput(path: path, line: line.number,
                message: "expected \(columnCount) comma-separated fields as in the header, found \(fields.count)")
        }
        let user = fields[userColumn], item = fields[itemColumn]
        guard !user.isEmpty, !item.isEmpty else {
            throw GSAUError.malformedInput(path: path, line: line.number, message: "empty \(user.isEmpty ? "user" : "item") field")
        }
        var time: Double? = nil
        if timeColumn >= 0 {
            guard let t = Double(fields[timeColumn]), t.isFinite else {
                throw GSAUError.malformedInput(path: path, line: line.number,
                    message: "timestamp '\(fields[timeColumn])' is not a finite number")
            }
            time = t
        }
        table.append(user: user, item: item, timestamp: time)
    }
    guard headerSeen else { throw GSAUError.malformedInput(path: path, line: 0, message: "empty file: no header") }
    guard table.count > 0 else { throw GSAUError.malformedInput(path: path, line: 0, message: "empty file: a header but no interactions") }
    return table
}

/// Splits one CSV line into unquoted, space-trimmed fields.
private func splitCSV(_ line: TextLine, path: String) throws -> [String] {
    var fields: [String] = []
    var current: [UInt8] = []
    var inQuotes = false, wasQuoted = false
    var i = 0
    let b = line.bytes
    while i < b.count {
        let c = b[i]
        if inQuotes {
            if c == 0x22 {
                if i + 1 < b.count && b[i + 1] == 0x22 { current.append(0x22); i += 1 } else { inQuotes = false }
            } else { current.append(c) }
        } else if c == 0x22 {
            inQuotes = true; wasQuoted = true
        } else if c == 0x2C {
            fields.append(finish(current, quoted: wasQuoted)); current = []; wasQuoted = false
        } else { current.append(c) }
        i += 1
    }
    if inQuotes { throw GSAUError.malformedInput(path: path, line: line.number, message: "unterminated quoted field") }
    fields.append(finish(current, quoted: wasQuoted))
    return fields
}

private func finish(_ bytes: [UInt8], quoted: Bool) -> String {
    if quoted { return String(decoding: bytes, as: UTF8.self) }
    var lo = 0, hi = bytes.count
    while lo < hi, bytes[lo] == 0x20 || bytes[lo] == 0x09 { lo += 1 }
    while hi > lo, bytes[hi - 1] == 0x20 || bytes[hi - 1] == 0x09 { hi -= 1 }
    return String(decoding: bytes[lo..<hi], as: UTF8.self)
}
