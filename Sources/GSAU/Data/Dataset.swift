/// What to do with users that have fewer interactions than the hold-out needs (3 for leave-one-out).
public enum ShortUserPolicy: String, Sendable {
    /// Drop them (and report how many users and interactions were dropped).
    case drop
    /// Refuse to load, naming the first such user.
    case refuse
}

/// How to read and filter an interaction file.
public struct DatasetOptions: Sendable, Equatable {
    /// File format; nil detects it from the name and first line (`DataFormat.detect`).
    public var format: DataFormat? = nil
    /// Iterative k-core thresholds (0 or 1 = no filter). RecBole's Beauty setting is 5 and 5.
    public var minUserInteractions = 0
    public var minItemInteractions = 0
    public var shortUsers: ShortUserPolicy = .drop
    /// Which interactions are held out of training (default: the paper's leave-one-out).
    public var holdOut: HoldOut = .leaveOneOut

    public init(format: DataFormat? = nil, minUserInteractions: Int = 0, minItemInteractions: Int = 0,
                shortUsers: ShortUserPolicy = .drop, holdOut: HoldOut = .leaveOneOut) {
        self.format = format
        self.minUserInteractions = minUserInteractions
        self.minItemInteractions = minItemInteractions
        self.shortUsers = shortUsers
        self.holdOut = holdOut
    }
}

/// What loading did besides reading: rows read, removed by k-core, users dropped as too short.
public struct LoadReport: Sendable, Equatable {
    public var rowsRead = 0
    public var kCoreRounds = 0
    public var rowsRemovedByKCore = 0
    public var usersDroppedTooShort = 0
    public var rowsDroppedTooShort = 0
    /// The fewest interactions a user needed (the hold-out's minimum).
    public var minimumUserLength = 3

    /// Human-readable notes on anything that removed data (empty when nothing was removed).
    public var warnings: [String] {
        var w: [String] = []
        if rowsRemovedByKCore > 0 {
            w.append("k-core filter removed \(rowsRemovedByKCore) of \(rowsRead) interactions in \(kCoreRounds) rounds")
        }
        if usersDroppedTooShort > 0 {
            w.append("dropped \(usersDroppedTooShort) users with fewer than \(minimumUserLength) interactions (\(rowsDroppedTooShort) interactions): leave-one-out needs train, validation and test items")
        }
        return w
    }
}

/// Which held-out item an evaluation targets.
public enum EvaluationSplit: String, Sendable, CaseIterable {
    /// Target: the second-to-last item; input: the items before it.
    case validation
    /// Target: the last item; input: every earlier item, the validation item included.
    case test
}

/// Interactions after reading, filtering, id mapping and time ordering, with the hold-out split.
///
/// Dense ids follow RecBole: after filtering, raw ids are numbered by first appearance in file row
/// order, starting at 1 (0 is padding). Each user's items are ordered by a stable sort on the
/// timestamp (ties keep file order; files without timestamps keep file order). Leave-one-out (the
/// default `holdOut`): last item = test target, second-to-last = validation target, the rest =
/// training items; `HoldOut.last` and `.none` hold out one and no item (docs/MODEL.md §2.2).
public struct Dataset: Sendable {
    public let path: String
    public let format: DataFormat
    /// Dense user ids ↔ raw ids; `users.count` includes padding id 0.
    public let users: IDMap
    /// Dense item ids ↔ raw ids; `items.count` includes padding id 0.
    public let items: IDMap
    /// User u's chronological items are `sequence[offsets[u] ..< offsets[u + 1]]`; user 0 is empty.
    public let offsets: [Int]
    public let sequence: [Int32]
    /// Timestamps aligned with `sequence`, when the file had them.
    public let timestamps: [Double]?
    public let report: LoadReport
    /// Which interactions are held out of training.
    public let holdOut: HoldOut

    /// Loads an interaction file (see `DataFormat` for the formats). Throws `outOfMemory` before
    /// parsing when the file and its rows would need more memory than allowed (`DatasetMemory`).
    public static func load(path: String, options: DatasetOptions = DatasetOptions()) throws -> Dataset {
        let bytes = try readFileBytes(path, for: "loading \(path)")
        let format = options.format ?? DataFormat.detect(path: path, bytes: bytes)
        try DatasetMemory.check(fileBytes: bytes.count, interactions: DatasetMemory.interactionBound(bytes, format: format), source: path)
        let raw = try format.read(path: path, bytes: bytes)
        return try Dataset(raw: raw, format: format, options: options)
    }

    /// Builds a dataset from caller arrays of raw ids (one entry per interaction, in order), with
    /// optional timestamps. `source` names the data in error messages.
    public init(userIDs: [String], itemIDs: [String], timestamps: [Double]? = nil,
                options: DatasetOptions = DatasetOptions(), source: String = "<arrays>") throws {
        guard userIDs.count == itemIDs.count else {
            throw GSAUError.invalidArgument("\(userIDs.count) user ids but \(itemIDs.count) item ids")
        }
        if let timestamps {
            guard timestamps.count == userIDs.count else {
                throw GSAUError.invalidArgument("\(timestamps.count) timestamps for \(userIDs.count) interactions")
            }
            if let bad = timestamps.firstIndex(where: { !$0.isFinite }) {
                throw GSAUError.invalidArgument("timestamp \(bad) is not finite")
            }
        }
        guard !userIDs.isEmpty else { throw GSAUError.invalidArgument("no interactions") }
        try Dataset.checkMemory(interactions: userIDs.count, source: source)
        var raw = RawInteractions(path: source, hasTimestamps: timestamps != nil)
        for i in 0..<userIDs.count {
            guard !userIDs[i].isEmpty, !itemIDs[i].isEmpty else {
                throw GSAUError.invalidArgument("interaction \(i) has an empty \(userIDs[i].isEmpty ? "user" : "item") id")
            }
            raw.append(user: userIDs[i], item: itemIDs[i], timestamp: timestamps?[i])
        }
        try self.init(raw: raw, format: .csv, options: options)
    }

    init(raw: RawInteractions, format: DataFormat, options: DatasetOptions) throws {
        guard options.minUserInteractions >= 0, options.minItemInteractions >= 0 else {
            throw GSAUError.invalidArgument("k-core thresholds must be >= 0")
        }
        path = raw.path
        self.format = format
        holdOut = options.holdOut
        var report = LoadReport()
        let minimum = options.holdOut.minimumUserLength
        report.minimumUserLength = minimum
        report.rowsRead = raw.count

        // 1. Iterative k-core over the raw rows.
        var (keep, rounds) = kCoreFilter(users: raw.users, items: raw.items,
                                         userCount: raw.userTokens.count, itemCount: raw.itemTokens.count,
                                         minUser: options.minUserInteractions, minItem: options.minItemInteractions)
        report.kCoreRounds = rounds
        report.rowsRemovedByKCore = keep.reduce(raw.count) { $0 - ($1 ? 1 : 0) }

        // 2. Users left with fewer interactions than the hold-out needs cannot be split.
        var perUser = [Int](repeating: 0, count: raw.userTokens.count)
        for r in 0..<raw.count where keep[r] { perUser[Int(raw.users[r])] += 1 }
        for u in 1..<perUser.count where perUser[u] > 0 && perUser[u] < minimum {
            if options.shortUsers == .refuse {
                throw GSAUError.malformedInput(path: raw.path, line: 0,
                    message: "user '\(raw.userTokens.tokens[u])' has \(perUser[u]) interaction(s); leave-one-out needs at least \(minimum) (use the drop policy to skip such users)")
            }
            report.usersDroppedTooShort += 1
            report.rowsDroppedTooShort += perUser[u]
        }
        if report.usersDroppedTooShort > 0 {
            for r in 0..<raw.count where keep[r] && perUser[Int(raw.users[r])] < minimum { keep[r] = false }
        }
        guard keep.contains(true) else {
            throw GSAUError.malformedInput(path: raw.path, line: 0,
                message: "no interactions left after filtering (\(report.warnings.joined(separator: "; ")))")
        }
        self.report = report

        // 3. Dense ids by first appearance among the kept rows, in file order.
        var userMap = IDMap(), itemMap = IDMap()
        var userOfRawUser = [Int32](repeating: 0, count: raw.userTokens.count)
        var itemOfRawItem = [Int32](repeating: 0, count: raw.itemTokens.count)
        var rowUser: [Int32] = [], rowItem: [Int32] = [], rowIndex: [Int] = []
        rowUser.reserveCapacity(raw.count); rowItem.reserveCapacity(raw.count); rowIndex.reserveCapacity(raw.count)
        for r in 0..<raw.count where keep[r] {
            let ru = Int(raw.users[r]), ri = Int(raw.items[r])
            if userOfRawUser[ru] == 0 { userOfRawUser[ru] = userMap.intern(raw.userTokens.tokens[ru]) }
            if itemOfRawItem[ri] == 0 { itemOfRawItem[ri] = itemMap.intern(raw.itemTokens.tokens[ri]) }
            rowUser.append(userOfRawUser[ru]); rowItem.append(itemOfRawItem[ri]); rowIndex.append(r)
        }
        users = userMap
        items = itemMap

        // 4. Group rows by user (counting sort keeps file order), then order each user's rows
        //    by timestamp, ties broken by file order: a stable sort, as RecBole's argsort(kind="stable").
        var offsets = [Int](repeating: 0, count: userMap.count + 1)
        for u in rowUser { offsets[Int(u) + 1] += 1 }
        for u in 0..<userMap.count { offsets[u + 1] += offsets[u] }
        var fill = offsets
        var order = [Int](repeating: 0, count: rowUser.count)   // position -> kept-row index
        for k in 0..<rowUser.count {
            let u = Int(rowUser[k]); order[fill[u]] = k; fill[u] += 1
        }
        if let times = raw.timestamps {
            for u in 1..<userMap.count {
                let lo = offsets[u], hi = offsets[u + 1]
                order[lo..<hi].sort { a, b in
                    let ta = times[rowIndex[a]], tb = times[rowIndex[b]]
                    return ta < tb || (ta == tb && a < b)
                }
            }
            timestamps = order.map { times[rowIndex[$0]] }
        } else {
            timestamps = nil
        }
        sequence = order.map { rowItem[$0] }
        self.offsets = offsets
    }

    // MARK: statistics

    /// Real users (padding excluded).
    public var userCount: Int { users.count - 1 }
    /// Real items (padding excluded).
    public var itemCount: Int { items.count - 1 }
    public var interactionCount: Int { sequence.count }

    /// Number of interactions of user u.
    public func length(ofUser u: Int32) -> Int { offsets[Int(u) + 1] - offsets[Int(u)] }

    /// User u's items, oldest first.
    public func items(ofUser u: Int32) -> ArraySlice<Int32> { sequence[offsets[Int(u)]..<offsets[Int(u) + 1]] }

    // MARK: hold-out split

    /// How many of user u's last items are held out: `holdOut.count`, or fewer for a short user
    /// in the production modes (who keeps at least one training item).
    public func heldOut(ofUser u: Int32) -> Int { min(holdOut.count, max(0, length(ofUser: u) - 1)) }

    /// Training items of user u: all but the held-out ones.
    public func trainItems(ofUser u: Int32) -> ArraySlice<Int32> {
        sequence[offsets[Int(u)]..<(offsets[Int(u) + 1] - heldOut(ofUser: u))]
    }

    /// Whether user u has a target in `split` (every user in leave-one-out; users with a held-out
    /// item for validation in `last`; nobody otherwise).
    public func hasTarget(ofUser u: Int32, split: EvaluationSplit) -> Bool {
        guard holdOut.has(split) else { return false }
        return heldOut(ofUser: u) >= (split == .validation ? holdOut.count : 1)
    }

    /// The users evaluated on `split`: those with a target there.
    public func evaluationUsers(_ split: EvaluationSplit) -> [Int32] {
        (1..<Int32(users.count)).filter { hasTarget(ofUser: $0, split: split) }
    }

    /// The held-out target of user u for a split (the user must have one, see `hasTarget`): the
    /// first held-out item for validation, the last item for test.
    public func target(ofUser u: Int32, split: EvaluationSplit) -> Int32 {
        sequence[offsets[Int(u) + 1] - (split == .validation ? heldOut(ofUser: u) : 1)]
    }

    /// The items known before a split's target: training items for validation; training items
    /// and the validation item for test (the sequential protocol's input).
    public func history(ofUser u: Int32, split: EvaluationSplit) -> ArraySlice<Int32> {
        sequence[offsets[Int(u)]..<(offsets[Int(u) + 1] - (split == .validation ? heldOut(ofUser: u) : 1))]
    }

    /// Training interactions (graph pipeline rows): Σ (n_u − held out), Σ (n_u − 2) in leave-one-out.
    public var trainInteractionCount: Int {
        (1..<Int32(users.count)).reduce(0) { $0 + length(ofUser: $1) - heldOut(ofUser: $1) }
    }

    /// Sequential training examples with prefix augmentation: every training item but a user's
    /// first is a target, Σ (n_u − 3) in leave-one-out.
    public var sequentialTrainExampleCount: Int {
        (1..<Int32(users.count)).reduce(0) { $0 + max(0, length(ofUser: $1) - heldOut(ofUser: $1) - 1) }
    }

    /// The training graph's edges (user, item): every training item of every user, users in id
    /// order, each user's items oldest first (docs/MODEL.md §3.3).
    public func trainingEdges() -> (users: [Int32], items: [Int32]) {
        var users: [Int32] = [], items: [Int32] = []
        users.reserveCapacity(trainInteractionCount); items.reserveCapacity(trainInteractionCount)
        for u in 1..<Int32(self.users.count) {
            for i in trainItems(ofUser: u) { users.append(u); items.append(i) }
        }
        return (users, items)
    }

    /// Training-item frequencies (index = dense item id).
    public func trainItemCounts() -> [Int] {
        var counts = [Int](repeating: 0, count: items.count)
        for u in 1..<Int32(users.count) { for i in trainItems(ofUser: u) { counts[Int(i)] += 1 } }
        return counts
    }
}
