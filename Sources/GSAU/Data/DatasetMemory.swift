/// What loading interactions allocates, estimated before the rows are parsed, so that a file the
/// process cannot hold is refused with `GSAUError.outOfMemory` (naming the need and the cap, see
/// `MemoryLimit`) instead of taking the host process down.
///
/// Counted: the file's bytes, and per interaction the raw rows (user and item ids, a timestamp),
/// the k-core and ordering indices, the dataset's histories and their share of the id maps
/// (about 48 bytes each were measured loading Beauty from `.txt` and `.inter`; 64 are counted).
/// Data whose ids rarely repeat (every interaction a new item) needs more per interaction for
/// its id strings: the estimate then errs low by up to a factor of two.
enum DatasetMemory {
    static let bytesPerInteraction = 64

    static func estimate(fileBytes: Int, interactions: Int) -> Int {
        var bytes = ByteCount()
        bytes.add(fileBytes, width: 1)
        bytes.add(interactions, width: bytesPerInteraction)
        return bytes.value
    }

    /// An upper bound on the interactions in `bytes` of `format`, counted in one pass before
    /// parsing: the whitespace-separated fields (a sequence file's user ids counted as items
    /// too), or the lines (atomic and CSV files: one row each, the header included).
    static func interactionBound(_ bytes: [UInt8], format: DataFormat) -> Int {
        var count = 0
        switch format {
        case .sequence:
            var inField = false
            for b in bytes {
                let separator = b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D
                if !separator && !inField { count += 1 }
                inField = !separator
            }
        case .atomic, .csv:
            for b in bytes where b == 0x0A { count += 1 }
            if bytes.last.map({ $0 != 0x0A }) ?? false { count += 1 }
        }
        return count
    }

    /// Throws `outOfMemory` when loading `interactions` from `fileBytes` bytes would exceed the
    /// memory limit or the memory available.
    /// Also refuses 2^31 - 1 interactions or more: ids are dense Int32s and a dataset has no more
    /// distinct ids than interactions, so below that bound interning an id cannot overflow.
    static func check(fileBytes: Int, interactions: Int, source: String) throws {
        guard interactions < Int(Int32.max) else {
            throw GSAUError.invalidArgument("\(source): up to \(interactions) interactions; a dataset holds fewer than \(Int32.max) (ids are 32-bit)")
        }
        try MemoryLimit.check(need: estimate(fileBytes: fileBytes, interactions: interactions), for: "loading \(source)",
                              counting: "the file and about \(bytesPerInteraction) bytes for each of up to \(interactions) interactions")
    }
}

extension Dataset {
    /// Throws `outOfMemory` when a dataset of `interactions` caller-given interactions would take
    /// the process over its memory limit (`MemoryLimit`) or the memory available; for hosts that
    /// copy their arrays before building one (the C API checks this before copying).
    public static func checkMemory(interactions: Int, source: String) throws {
        try DatasetMemory.check(fileBytes: 0, interactions: interactions, source: source)
    }
}
