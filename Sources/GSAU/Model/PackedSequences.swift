/// A batch of item sequences stored back to back without padding (how the engine skips the
/// padding positions the original computes). Sequence b occupies tokens offsets[b] ..< offsets[b+1];
/// positions count from its oldest kept item (0), as the original's left-aligned layout does.
struct PackedSequences {
    private(set) var offsets: [Int32] = [0]
    private(set) var items: [Int32] = []
    private(set) var positions: [Int32] = []

    var count: Int { offsets.count - 1 }
    var tokens: Int { items.count }

    init(capacity tokens: Int = 0, sequences: Int = 0) {
        offsets.reserveCapacity(sequences + 1)
        items.reserveCapacity(tokens)
        positions.reserveCapacity(tokens)
    }

    mutating func removeAll() {
        offsets.removeAll(keepingCapacity: true); offsets.append(0)
        items.removeAll(keepingCapacity: true)
        positions.removeAll(keepingCapacity: true)
    }

    /// Appends one sequence, keeping only its last `maxLength` items (the original's window).
    /// Empty sequences are not allowed (a user needs at least one known item).
    mutating func append<C: Collection>(_ sequence: C, maxLength: Int) where C.Element == Int32 {
        let kept = sequence.suffix(maxLength)
        assert(!kept.isEmpty, "empty sequence")
        var p: Int32 = 0
        for item in kept { items.append(item); positions.append(p); p += 1 }
        offsets.append(Int32(items.count))
    }

    /// Token index of sequence b's most recent item (where the output is read).
    func lastToken(_ b: Int) -> Int { Int(offsets[b + 1]) - 1 }
}
