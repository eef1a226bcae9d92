import Dispatch

// Batch scoring to a file: the top-K of many users, streamed block by block from
// `QueryEngine.scoreInBlocks` (Inference) into JSON Lines or CSV, raw ids in and out.

/// The layout of a score file. Users come in list order; items best first. Scores are written as
/// the shortest decimal that reads back as the same float32 (Swift's `Float.description`, e.g.
/// `0.83191574`, `-1.5`, `3e-05`); a non-finite score (only possible for a diverged model) is
/// `null` in JSON Lines and `inf` / `-inf` in CSV.
public enum ScoreFileFormat: String, CaseIterable, Sendable {
    /// JSON Lines: one object per user,
    /// `{"user": "<raw id>", "items": ["<raw id>", ...], "scores": [0.8125, ...]}`
    /// (empty arrays when the filters leave no candidate). UTF-8, `\n` after every line.
    case jsonl
    /// CSV (RFC 4180 quoting, `\n` line ends): the header `user,rank,item,score`, then one row
    /// per (user, rank), rank from 1; a user the filters leave without candidates has no rows. A
    /// raw id holding a comma, a double quote, CR or LF is quoted, its quotes doubled.
    case csv
}

/// Where a score file goes.
public enum ScoreFileDestination: Sendable, Equatable {
    /// A file, written atomically: `<path>.tmp.<pid>.<n>`, renamed over `path` once complete; on any
    /// error the temporary file is removed and `path` is left as it was.
    case file(String)
    /// The process's standard output (not atomic: an error can leave part of the output written).
    case standardOutput
}

extension QueryEngine {
    /// Writes the top-`count` items of every user (or of `users`, raw ids, in that order;
    /// duplicates are scored again) to `destination` as `format`, streaming: users are scored in
    /// blocks through the blocked batch path (`scoreInBlocks`) and each block is written before
    /// the next is scored, so memory does not grow with the number of users. Results are those
    /// of `recommend(users:...)` with the same arguments; filters as there.
    ///
    /// Every id is checked before anything is written: an unknown user or item throws
    /// `GSAUError.unknownID` naming it, and no file (not even a temporary one) is created.
    /// `progress(scored, total)` is called after every written block.
    public func writeScores(to destination: ScoreFileDestination, users: [String]? = nil, count: Int,
                            filterSeen: Bool = false, allowedItems: [String]? = nil, excludedItems: [String]? = nil,
                            format: ScoreFileFormat = .jsonl,
                            progress: ((_ scored: Int, _ total: Int) -> Void)? = nil) throws {
        try checkCount(count)
        let indices = try users.map { try $0.map { try userIndex($0) } }
        let filter = try itemFilter(filterSeen: filterSeen, allowed: allowedItems, excluded: excludedItems)
        try writeScores(to: destination, userIndices: indices, count: count, filter: filter, format: format, progress: progress)
    }

    /// `writeScores` over dense user ids (nil = every user, in id order) and an index-level filter
    /// (the C API's and the CLI's form). Every id is checked before the output is opened.
    package func writeScores(to destination: ScoreFileDestination, userIndices: [Int32]?, count: Int,
                             filter: ItemFilter, format: ScoreFileFormat,
                             progress: ((_ scored: Int, _ total: Int) -> Void)? = nil) throws {
        let users = userIndices ?? allUserIndices
        try users.withUnsafeBufferPointer { list in
            try checkBatch(userIndices: list, count: count, filter: filter)
            let encoder = ScoreFileEncoder(format: format, itemTokens: dataset.items.tokens)
            let userTokens = dataset.users.tokens
            let output = try ScoreFileOutput(destination)
            defer { output.discard() }                   // no-op after finish()
            try output.write(encoder.header)
            var parts: [[UInt8]] = []
            var scored = 0
            try scoreInBlocks(userIndices: list, count: count, filter: filter) { block in
                encoder.encode(block, userTokens: userTokens, into: &parts)
                for part in parts { try output.write(part) }
                scored += block.users.count
                progress?(scored, list.count)
            }
            try output.finish()
        }
    }
}

/// The bytes of a score file: the header and each block's lines. Items' fields are encoded once.
struct ScoreFileEncoder: Sendable {
    let format: ScoreFileFormat
    /// Item i's field (a JSON string literal, or a CSV field) is itemBytes[itemOffsets[i]..<itemOffsets[i + 1]].
    private let itemBytes: [UInt8]
    private let itemOffsets: [Int]

    init(format: ScoreFileFormat, itemTokens: [String]) {
        self.format = format
        var bytes: [UInt8] = [], offsets = [0]
        offsets.reserveCapacity(itemTokens.count + 1)
        for token in itemTokens {
            Self.appendField(token, format: format, into: &bytes)
            offsets.append(bytes.count)
        }
        itemBytes = bytes
        itemOffsets = offsets
    }

    /// What precedes the first user: CSV's header line; nothing for JSON Lines.
    var header: [UInt8] { format == .csv ? Array("user,rank,item,score\n".utf8) : [] }

    /// `token` as a JSON string literal, or as a CSV field (quoted when it holds `,`, `"`, CR or
    /// LF; inner quotes doubled).
    static func appendField(_ token: String, format: ScoreFileFormat, into out: inout [UInt8]) {
        switch format {
        case .jsonl:
            var quoted = ""
            JSON.quote(token, into: &quoted)
            out.append(contentsOf: quoted.utf8)
        case .csv:
            let utf8 = token.utf8
            guard utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0D || $0 == 0x0A }) else {
                out.append(contentsOf: utf8); return
            }
            out.append(0x22)
            for byte in utf8 {
                if byte == 0x22 { out.append(0x22) }
                out.append(byte)
            }
            out.append(0x22)
        }
    }

    /// Appends one user's lines (JSON Lines: one line; CSV: one row per item).
    func appendUser(_ user: String, ids: UnsafeBufferPointer<Int32>, scores: UnsafeBufferPointer<Float>,
                    into out: inout [UInt8]) {
        var userField: [UInt8] = []
        Self.appendField(user, format: format, into: &userField)
        itemBytes.withUnsafeBufferPointer { items in
            func appendItem(_ id: Int32) {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: items[itemOffsets[Int(id)]..<itemOffsets[Int(id) + 1]]))
            }
            switch format {
            case .jsonl:
                out.append(contentsOf: #"{"user": "#.utf8)
                out.append(contentsOf: userField)
                out.append(contentsOf: #", "items": ["#.utf8)
                for (k, id) in ids.enumerated() {
                    if k > 0 { out.append(contentsOf: ", ".utf8) }
                    appendItem(id)
                }
                out.append(contentsOf: #"], "scores": ["#.utf8)
                for (k, score) in scores.enumerated() {
                    if k > 0 { out.append(contentsOf: ", ".utf8) }
                    if score.isFinite { out.append(contentsOf: score.description.utf8) } else { out.append(contentsOf: "null".utf8) }
                }
                out.append(contentsOf: "]}\n".utf8)
            case .csv:
                for (k, id) in ids.enumerated() {
                    out.append(contentsOf: userField)
                    out.append(0x2C)
                    out.append(contentsOf: (k + 1).description.utf8)
                    out.append(0x2C)
                    appendItem(id)
                    out.append(0x2C)
                    out.append(contentsOf: scores[k].description.utf8)
                    out.append(0x0A)
                }
            }
        }
    }

    /// The block's lines, in order, as `parts` (one per chunk of rows; chunks are encoded in
    /// parallel). `parts` is reused from block to block.
    func encode(_ block: ScoredBlock, userTokens: [String], into parts: inout [[UInt8]]) {
        let n = block.users.count
        let chunks = max(1, min(processorCount, n / 32))
        if parts.count != chunks { parts = [[UInt8]](repeating: [], count: chunks) }
        parts.withUnsafeMutableBufferPointer { p in
            let job = UnsafeSendable((p.baseAddress!, block))
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let (parts, block) = job.pointer
                parts[c].removeAll(keepingCapacity: true)
                for r in (c * n / chunks)..<((c + 1) * n / chunks) {
                    let (ids, scores) = block.row(r)
                    self.appendUser(userTokens[Int(block.users[r])], ids: ids, scores: scores, into: &parts[c])
                }
            }
        }
    }
}

/// A score file's destination, open: an `AtomicFileStream`, or standard output.
private final class ScoreFileOutput {
    private let stream: AtomicFileStream?

    init(_ destination: ScoreFileDestination) throws {
        switch destination {
        case .file(let path): stream = try AtomicFileStream(path: path)
        case .standardOutput: stream = nil
        }
    }

    func write(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        if let stream { try stream.write(bytes) } else { try bytes.withUnsafeBytes { try writeAll(1, $0, path: "standard output") } }
    }

    /// Publishes the file (rename); nothing to do for standard output.
    func finish() throws { try stream?.commit() }

    /// Removes an unfinished file's temporary file (no-op after `finish()`).
    func discard() { stream?.discard() }
}

/// The raw ids of an id-list file (`gsau-cli score --users / --exclude`): one id per line, UTF-8,
/// each line taken as it is (a trailing CR of CRLF line ends dropped); empty lines are skipped.
/// Returns each id with its 1-based line number.
public func readIDList(path: String) throws -> [(line: Int, id: String)] {
    let bytes = try readFileBytes(path)
    var out: [(line: Int, id: String)] = []
    var line = 0
    for var field in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
        line += 1
        if field.last == 0x0D { field = field.dropLast() }
        guard !field.isEmpty else { continue }
        guard let id = String(validating: field, as: UTF8.self) else {
            throw GSAUError.malformedInput(path: path, line: line, message: "not valid UTF-8")
        }
        out.append((line: line, id: id))
    }
    return out
}
