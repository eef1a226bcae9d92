/// Appends little-endian values to a byte array (the checkpoint writer's only output primitive).
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    var count: Int { bytes.count }

    mutating func reserve(_ n: Int) { bytes.reserveCapacity(n) }

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func i32(_ v: Int32) { u32(UInt32(bitPattern: v)) }
    mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }
    mutating func f64(_ v: Double) { u64(v.bitPattern) }
    mutating func zeros(_ n: Int) { bytes.append(contentsOf: repeatElement(0, count: n)) }
    mutating func append(_ raw: [UInt8]) { bytes.append(contentsOf: raw) }

    /// A non-negative Int as u64.
    mutating func size(_ v: Int) { u64(UInt64(v)) }

    /// u32 byte length, then the UTF-8 bytes (no terminator). Throws for strings of 4 GiB or more.
    mutating func string(_ s: String, field: @autoclosure () -> String) throws {
        let utf8 = Array(s.utf8)
        guard let n = UInt32(exactly: utf8.count) else {
            throw GSAUError.invalidArgument("\(field()) is \(utf8.count) bytes long, over the 4 GiB string limit")
        }
        u32(n)
        bytes.append(contentsOf: utf8)
    }

    /// Int32 values, 4 bytes each, little-endian.
    mutating func int32s(_ values: [Int32]) {
        #if _endian(little)
        values.withUnsafeBytes { bytes.append(contentsOf: $0) }
        #else
        bytes.reserveCapacity(bytes.count + 4 * values.count)
        for v in values { i32(v) }
        #endif
    }

    /// IEEE-754 binary32 values, 4 bytes each, little-endian.
    mutating func float32s(_ values: [Float]) {
        #if _endian(little)
        values.withUnsafeBytes { bytes.append(contentsOf: $0) }
        #else
        bytes.reserveCapacity(bytes.count + 4 * values.count)
        for v in values { u32(v.bitPattern) }
        #endif
    }

    /// Overwrites 8 bytes at `offset` with a little-endian u64 (for a length known only later).
    mutating func patchU64(at offset: Int, _ v: UInt64) {
        withUnsafeBytes(of: v.littleEndian) { raw in
            for k in 0..<8 { bytes[offset + k] = raw[k] }
        }
    }
}
