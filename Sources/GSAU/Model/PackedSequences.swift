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

    /// Appends `sequence` (at most `maxLength − 1` items) followed by `token` (BERT4Rec's
    /// prediction input ends with the mask token).
    mutating func append<C: Collection>(_ sequence: C, then token: Int32, maxLength: Int) where C.Element == Int32 {
        var p: Int32 = 0
        for item in sequence.suffix(maxLength - 1) { items.append(item); positions.append(p); p += 1 }
        items.append(token); positions.append(p)
        offsets.append(Int32(items.count))
    }

    /// Replaces the item at global token index `t` (BERT4Rec's cloze masking).
    mutating func replaceItem(atToken t: Int, with item: Int32) { items[t] = item }

    /// Token index of sequence b's most recent item (where the output is read).
    func lastToken(_ b: Int) -> Int { Int(offsets[b + 1]) - 1 }
}
