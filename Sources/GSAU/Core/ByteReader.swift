/// Reads little-endian values from `bytes[position..<end]` with every length checked before use:
/// no read goes past `end`, no count is trusted before the bytes it claims are known to exist,
/// and every failure is a `corruptFile` error naming the source and the field being read.
struct ByteReader {
    let bytes: [UInt8]
    let source: String
    private(set) var position: Int
    let end: Int

    /// A reader of `bytes[range]`; `range` must lie inside `bytes` (the caller checked it).
    init(_ bytes: [UInt8], range: Range<Int>, source: String) {
        precondition(range.lowerBound >= 0 && range.upperBound <= bytes.count)
        self.bytes = bytes
        self.source = source
        position = range.lowerBound
        end = range.upperBound
    }

    var remaining: Int { end - position }

    func error(_ field: String, _ message: String) -> GSAUError {
        GSAUError.corruptFile(path: source, message: "\(field): \(message)")
    }

    /// Claims the next `n` bytes, or throws naming `field`.
    mutating func take(_ n: Int, _ field: @autoclosure () -> String) throws -> Range<Int> {
        guard n >= 0, n <= remaining else {
            throw error(field(), "needs \(n) bytes at offset \(position) but the header has \(remaining) left")
        }
        defer { position += n }
        return position..<(position + n)
    }

    /// Claims `count × width` bytes with overflow-checked arithmetic.
    mutating func take(count: Int, width: Int, _ field: @autoclosure () -> String) throws -> Range<Int> {
        let (n, overflow) = count.multipliedReportingOverflow(by: width)
        guard count >= 0, !overflow else {
            throw error(field(), "\(count) elements of \(width) bytes overflow the size arithmetic")
        }
        return try take(n, field())
    }

    private func load<T: FixedWidthInteger>(_ range: Range<Int>, as _: T.Type) -> T {
        T(littleEndian: bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: range.lowerBound, as: T.self) })
    }

    mutating func u8(_ field: @autoclosure () -> String) throws -> UInt8 { bytes[try take(1, field()).lowerBound] }
    mutating func u32(_ field: @autoclosure () -> String) throws -> UInt32 { load(try take(4, field()), as: UInt32.self) }
    mutating func u64(_ field: @autoclosure () -> String) throws -> UInt64 { load(try take(8, field()), as: UInt64.self) }
    mutating func i64(_ field: @autoclosure () -> String) throws -> Int64 { Int64(bitPattern: try u64(field())) }
    mutating func f64(_ field: @autoclosure () -> String) throws -> Double { Double(bitPattern: try u64(field())) }

    /// A u64 that must fit a (64-bit) Int.
    mutating func size(_ field: @autoclosure () -> String) throws -> Int {
        let v = try u64(field())
        guard let n = Int(exactly: v) else { throw error(field(), "\(v) is too large") }
        return n
    }

    /// u32 length + strictly valid UTF-8 of at most `maxBytes` bytes.
    mutating func string(_ field: @autoclosure () -> String, maxBytes: Int = Int.max) throws -> String {
        let n = Int(try u32(field() + " length"))
        guard n <= maxBytes else { throw error(field(), "string of \(n) bytes is longer than the \(maxBytes) allowed") }
        let range = try take(n, field())
        guard let s = String(validating: bytes[range], as: UTF8.self) else {
            throw error(field(), "is not valid UTF-8")
        }
        return s
    }

    /// `count` little-endian Int32 values.
    mutating func int32s(count: Int, _ field: @autoclosure () -> String) throws -> [Int32] {
        let range = try take(count: count, width: 4, field())
        return bytes.withUnsafeBytes { raw in
            [Int32](unsafeUninitializedCapacity: count) { out, initialized in
                for k in 0..<count {
                    out[k] = Int32(littleEndian: raw.loadUnaligned(fromByteOffset: range.lowerBound + 4 * k, as: Int32.self))
                }
                initialized = count
            }
        }
    }
}

/// Decodes `count` little-endian binary32 values starting at `offset` of `bytes`; the caller has
/// checked that `offset + 4 * count <= bytes.count`.
func decodeFloat32s(_ bytes: [UInt8], offset: Int, count: Int) -> [Float] {
    precondition(offset >= 0 && count >= 0 && offset <= bytes.count && count <= (bytes.count - offset) / 4)
    return bytes.withUnsafeBytes { raw in
        [Float](unsafeUninitializedCapacity: count) { out, initialized in
            #if _endian(little)
            if count > 0 {
                UnsafeMutableRawPointer(out.baseAddress!).copyMemory(from: raw.baseAddress! + offset, byteCount: 4 * count)
            }
            #else
            for k in 0..<count {
                out[k] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 4 * k, as: UInt32.self)))
            }
            #endif
            initialized = count
        }
    }
}
