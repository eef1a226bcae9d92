@testable import GSAU

/// Overwrites the last four bytes with the CRC32C of the bytes before them, as a writer would.
/// Without it nearly every mutation would stop at the checksum and the fuzzer would never reach
/// the fields behind it; with it, every input is "undamaged" and must still be validated field by
/// field (docs/CHECKPOINT.md, "Validation on load").
func withValidChecksum(_ data: UnsafePointer<UInt8>, _ size: Int, minimumSize: Int) -> [UInt8] {
    var bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard bytes.count >= max(minimumSize, 4) else { return bytes }
    let crc = CRC32C.checksum(bytes, range: 0..<(bytes.count - 4))
    for k in 0..<4 { bytes[bytes.count - 4 + k] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(k))) }
    return bytes
}
