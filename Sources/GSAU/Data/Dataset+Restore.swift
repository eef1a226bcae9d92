/// Rebuilding a `Dataset` from its id maps and histories (what a checkpoint stores), without
/// the interaction file it was read from.
extension Dataset {
    /// A dataset with the given id maps and per-user chronological histories. `path` and `format`
    /// describe where the data originally came from (provenance only: nothing is read). The
    /// restored dataset has no timestamps and an empty `LoadReport`.
    ///
    /// Throws `invalidArgument` naming the first broken invariant (see `checkHistories`).
    init(restoring path: String, format: DataFormat, users: IDMap, items: IDMap,
         offsets: [Int], sequence: [Int32], holdOut: HoldOut = .leaveOneOut) throws {
        try Dataset.checkHistories(userCount: users.count, itemCount: items.count, offsets: offsets, sequence: sequence,
                                   minimumUserLength: holdOut.minimumUserLength)
        self.path = path
        self.holdOut = holdOut
        self.format = format
        self.users = users
        self.items = items
        self.offsets = offsets
        self.sequence = sequence
        self.timestamps = nil
        self.report = LoadReport()
    }

    /// The invariants every loaded dataset satisfies, for user and item counts that include the
    /// padding id 0: at least one real user and item; `offsets` has `userCount + 1` entries,
    /// starts at 0, gives the padding user no items, never decreases and ends at `sequence.count`;
    /// every real user has at least `minimumUserLength` items (3: the leave-one-out split needs
    /// them; 1 in the production hold-outs); every item id is
    /// in `1..<itemCount`; the id space fits the graph's Int32 node ids.
    static func checkHistories(userCount: Int, itemCount: Int, offsets: [Int], sequence: [Int32],
                               minimumUserLength: Int = 3) throws {
        func fail(_ message: String) -> GSAUError { GSAUError.invalidArgument(message) }
        guard userCount >= 2 else { throw fail("no users (user count with padding is \(userCount))") }
        guard itemCount >= 2 else { throw fail("no items (item count with padding is \(itemCount))") }
        guard userCount <= Int(Int32.max) - itemCount else {
            throw fail("\(userCount) users and \(itemCount) items exceed the Int32 node ids of the graph")
        }
        guard offsets.count == userCount + 1 else {
            throw fail("offsets has \(offsets.count) entries, expected \(userCount + 1) (users + 1)")
        }
        guard offsets[0] == 0, offsets[1] == 0 else {
            throw fail("offsets[0] and offsets[1] must be 0 (the padding user has no items); got \(offsets[0]), \(offsets[1])")
        }
        for u in 1..<userCount {
            let lo = offsets[u], hi = offsets[u + 1]
            guard hi >= lo else { throw fail("offsets[\(u + 1)] = \(hi) is less than offsets[\(u)] = \(lo)") }
            guard hi - lo >= minimumUserLength else {
                throw fail("user \(u) has \(hi - lo) item(s); every user has at least \(minimumUserLength)"
                           + (minimumUserLength == 3 ? " (train, validation, test)" : ""))
            }
            guard hi <= sequence.count else {
                throw fail("offsets[\(u + 1)] = \(hi) is past the \(sequence.count) items")
            }
        }
        guard offsets[userCount] == sequence.count else {
            throw fail("offsets ends at \(offsets[userCount]), expected the item count \(sequence.count)")
        }
        if let k = sequence.firstIndex(where: { $0 < 1 || Int($0) >= itemCount }) {
            throw fail("item id \(sequence[k]) at position \(k) is outside 1..<\(itemCount)")
        }
    }
}
