/// The memory the operating system can give this process now: `MemAvailable` of /proc/meminfo
/// (nil where that file does not exist or has no such line).
public func availableMemoryBytes() -> Int? {
    guard let bytes = try? readFileBytes("/proc/meminfo") else { return nil }
    for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") where line.hasPrefix("MemAvailable:") {
        let fields = line.split(separator: " ")
        guard fields.count >= 2, let kib = Int(fields[1]) else { return nil }
        let (bytes, overflow) = kib.multipliedReportingOverflow(by: 1024)
        return overflow ? Int.max : bytes
    }
    return nil
}

/// Sums of products of sizes that saturate at `Int.max` instead of trapping.
struct ByteCount {
    private(set) var value = 0

    /// Adds `count` elements of `width` bytes each (`factors` multiply the count).
    mutating func add(_ factors: Int..., width: Int = 4) {
        var product = width
        for f in factors {
            let (p, overflow) = product.multipliedReportingOverflow(by: max(0, f))
            product = overflow ? Int.max : p
        }
        let (sum, overflow) = value.addingReportingOverflow(product)
        value = overflow ? Int.max : sum
    }
}

/// "1.5 GiB", "340 MiB": a byte count for messages.
func describeBytes(_ n: Int) -> String {
    let mib = Double(n) / 1_048_576
    if mib >= 1024 { return "\((mib / 1024 * 10).rounded() / 10) GiB" }
    return "\((mib * 10).rounded() / 10) MiB"
}
