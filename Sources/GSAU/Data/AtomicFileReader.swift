/// Reads a RecBole atomic `.inter` file: tab-separated, first line a typed header such as
/// `user_id:token	item_id:token	rating:float	timestamp:float`. The `user_id` and `item_id`
/// columns are required (tokens are arbitrary strings), `timestamp` is optional (a float);
/// other columns are ignored. Every row must have as many fields as the header.
func readAtomicFile(path: String, bytes: [UInt8]) throws -> RawInteractions {
    var userColumn = -1, itemColumn = -1, timeColumn = -1, columnCount = 0
    var table = RawInteractions(path: path, hasTimestamps: false)
    var headerSeen = false
    try forEachLine(bytes) { line in
        guard headerSeen else {
            // Header.
            let fields = line.fields(separatedBy: 0x09)
            columnCount = fields.count
            for (i, f) in fields.enumerated() {
                let spec = line.string(line.trimmed(f))
                let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                    throw GSAUError.malformedInput(path: path, line: line.number,
                        message: "header field '\(spec)' is not of the form name:type (e.g. user_id:token)")
                }
                switch parts[0] {
                case "user_id": userColumn = i
                case "item_id": itemColumn = i
                case "timestamp":
                    guard parts[1] == "float" else {
                        throw GSAUError.malformedInput(path: path, line: line.number,
                            message: "column 'timestamp' must have type float, found '\(parts[1])'")
                    }
                    timeColumn = i
                default: break
                }
            }
            guard userColumn >= 0 else {
                throw GSAUError.malformedInput(path: path, line: line.number, message: "header has no 'user_id:token' column")
            }
            guard itemColumn >= 0 else {
                throw GSAUError.malformedInput(path: path, line: line.number, message: "header has no 'item_id:token' column")
            }
            table = RawInteractions(path: path, hasTimestamps: timeColumn >= 0)
            headerSeen = true
            return
        }
        if line.isBlank { return }
        let fields = line.fields(separatedBy: 0x09)
        guard fields.count == columnCount else {
            throw GSAUError.malformedInput(path: path, line: line.number,
                message: "expected \(columnCount) tab-separated fields as in the header, found \(fields.count)")
        }
        let user = line.trimmed(fields[userColumn]), item = line.trimmed(fields[itemColumn])
        guard !user.isEmpty, !item.isEmpty else {
            throw GSAUError.malformedInput(path: path, line: line.number, message: "empty \(user.isEmpty ? "user_id" : "item_id")")
        }
        var time: Double? = nil
        if timeColumn >= 0 {
            guard let t = line.number(fields[timeColumn]) else {
                throw GSAUError.malformedInput(path: path, line: line.number,
                    message: "timestamp '\(line.string(fields[timeColumn]))' is not a finite number")
            }
            time = t
        }
        table.append(user: line.string(user), item: line.string(item), timestamp: time)
    }
    guard headerSeen else { throw GSAUError.malformedInput(path: path, line: 0, message: "empty file: no header") }
    guard table.count > 0 else { throw GSAUError.malformedInput(path: path, line: 0, message: "empty file: a header but no interactions") }
    return table
}
