/// Interactions as a reader produced them: one row per (user, item[, timestamp]) in file order,
/// before filtering, ordering and splitting. Users and items are indices into the token lists
/// (numbered by first appearance in the file).
struct RawInteractions {
    var path: String
    var userTokens = IDMap()
    var itemTokens = IDMap()
    var users: [Int32] = []
    var items: [Int32] = []
    /// Present when the file has a timestamp column.
    var timestamps: [Double]? = nil

    init(path: String, hasTimestamps: Bool) {
        self.path = path
        if hasTimestamps { timestamps = [] }
    }

    var count: Int { users.count }

    mutating func append(user: String, item: String, timestamp: Double? = nil) {
        users.append(userTokens.intern(user))
        items.append(itemTokens.intern(item))
        if let timestamp { timestamps?.append(timestamp) }
    }
}

/// One line of a text file as raw bytes (no copy), with field splitting that allocates only the
/// field ranges. Bytes are UTF-8; tokens are compared byte for byte.
struct TextLine {
    let bytes: UnsafeBufferPointer<UInt8>
    let number: Int   // 1-based

    var isBlank: Bool { bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 } }

    /// Fields separated by `separator`; empty fields are kept.
    func fields(separatedBy separator: UInt8) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var start = 0
        for i in 0..<bytes.count where bytes[i] == separator {
            result.append(start..<i); start = i + 1
        }
        result.append(start..<bytes.count)
        return result
    }

    /// Fields separated by runs of spaces or tabs; empty fields are dropped.
    func whitespaceFields() -> [Range<Int>] {
        var result: [Range<Int>] = []
        var start = -1
        for i in 0..<bytes.count {
            let b = bytes[i]
            if b == 0x20 || b == 0x09 {
                if start >= 0 { result.append(start..<i); start = -1 }
            } else if start < 0 { start = i }
        }
        if start >= 0 { result.append(start..<bytes.count) }
        return result
    }

    func string(_ r: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[r]), as: UTF8.self)
    }

    /// The field with surrounding spaces and tabs removed.
    func trimmed(_ r: Range<Int>) -> Range<Int> {
        var lo = r.lowerBound, hi = r.upperBound
        while lo < hi, bytes[lo] == 0x20 || bytes[lo] == 0x09 { lo += 1 }
        while hi > lo, bytes[hi - 1] == 0x20 || bytes[hi - 1] == 0x09 { hi -= 1 }
        return lo..<hi
    }

    /// Parses a finite number (integer or decimal, optional exponent); nil otherwise.
    func number(_ r: Range<Int>) -> Double? {
        let t = trimmed(r)
        guard !t.isEmpty, let v = Double(string(t)), v.isFinite else { return nil }
        return v
    }
}

/// Calls `body` for each line of `bytes` (LF or CRLF endings; a final line without LF counts).
func forEachLine(_ bytes: [UInt8], _ body: (TextLine) throws -> Void) rethrows {
    try bytes.withUnsafeBufferPointer { all in
        var start = 0, number = 0
        while start < all.count {
            var end = start
            while end < all.count && all[end] != 0x0A { end += 1 }
            number += 1
            var stop = end
            if stop > start && all[stop - 1] == 0x0D { stop -= 1 }
            try body(TextLine(bytes: UnsafeBufferPointer(rebasing: all[start..<stop]), number: number))
            start = end + 1
        }
    }
}
