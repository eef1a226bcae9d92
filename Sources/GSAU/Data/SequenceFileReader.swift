/// Reads a one-line-per-user file: `user item item ...`, separated by spaces or tabs, items in
/// chronological order. Blank lines are skipped. Rows come out in file order, which is also the
/// time order (there is no timestamp column).
func readSequenceFile(path: String, bytes: [UInt8]) throws -> RawInteractions {
    var raw = RawInteractions(path: path, hasTimestamps: false)
    try forEachLine(bytes) { line in
        if line.isBlank { return }
        let fields = line.whitespaceFields()
        guard fields.count >= 2 else {
            throw GSAUError.malformedInput(path: path, line: line.number,
                message: "expected 'user item [item ...]', found a user id without items")
        }
        let user = line.string(fields[0])
        for f in fields.dropFirst() { raw.append(user: user, item: line.string(f)) }
    }
    guard raw.count > 0 else { throw GSAUError.malformedInput(path: path, line: 0, message: "empty file: no interactions") }
    return raw
}
