import ArgumentParser
import GSAU
import Glibc

struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the top-K items of every user (or of a list of users) of a saved model to a JSON Lines or CSV file.",
        discussion: """
            Raw ids in and out. Users are scored in blocks of 256 over all cores and each block is written before \
            the next is scored, so memory does not depend on the number of users. The file is written atomically \
            (a temporary file renamed when complete; removed on any error). With --users, every id is checked \
            before anything is written: an unknown user fails naming the id and its line (or is skipped with \
            --skip-unknown). On a terminal, a progress line goes to standard error.

            JSON Lines: {"user": "<raw id>", "items": ["<raw id>", ...], "scores": [...]} per user.
            CSV: header user,rank,item,score; one row per (user, rank), rank from 1; ids quoted as RFC 4180 needs.
            Scores: the shortest decimal that reads back as the same 32-bit float.
            """)

    @Argument(help: "A model checkpoint written by `gsau-cli train --save`.")
    var checkpoint: String

    @Option(help: "Output file, or - for standard output (a file is written atomically).")
    var out: String

    @Option(help: "Output format: jsonl or csv.")
    var format: String = "jsonl"

    @Option(name: [.customShort("n"), .customLong("top")], help: "Items per user (K).")
    var top: Int = 10

    @Option(help: "File of raw user ids, one per line (empty lines skipped): score these, in this order. Default: every user.")
    var users: String?

    @Flag(help: "With --users: skip ids the model does not know (their count goes to standard error) instead of failing.")
    var skipUnknown = false

    @Option(help: "File of raw item ids, one per line, never to recommend.")
    var exclude: String?

    @Flag(help: "Exclude the items each user has interacted with.")
    var filterSeen = false

    func validate() throws {
        guard top > 0 else { throw ValidationError("--top must be positive") }
        guard ScoreFileFormat(rawValue: format) != nil else { throw ValidationError("unknown format '\(format)'; use jsonl or csv") }
        guard !out.isEmpty else { throw ValidationError("--out is empty; give a file or - for standard output") }
    }

    @OptionGroup var memory: MemoryOptions

    func run() throws {
        try memory.apply()
        warnAboutBLAS()
        let model = try GSAUModel.load(from: checkpoint)
        let engine = try QueryEngine(model: model)
        let dataset = model.dataset

        var userIndices: [Int32]? = nil
        if let users {
            var indices: [Int32] = [], unknown = 0
            for (line, id) in try readIDList(path: users) {
                if let u = dataset.users.id(of: id) { indices.append(u); continue }
                guard skipUnknown else { throw GSAUError.unknownID("user '\(id)' (\(users), line \(line))") }
                unknown += 1
            }
            if unknown > 0 { printErr("skipped \(unknown) unknown user id\(unknown == 1 ? "" : "s") of \(users)") }
            userIndices = indices
        }
        var excluded: [Int32] = []
        if let exclude {
            for (line, id) in try readIDList(path: exclude) {
                guard let i = dataset.items.id(of: id) else { throw GSAUError.unknownID("item '\(id)' (\(exclude), line \(line))") }
                excluded.append(i)
            }
        }
        let filter = ItemFilter(excludeSeen: filterSeen, excluded: excluded)
        let destination: ScoreFileDestination = out == "-" ? .standardOutput : .file(out)
        let progress = ProgressLine(enabled: isatty(2) == 1)
        try engine.writeScores(to: destination, userIndices: userIndices, count: top, filter: filter,
                               format: ScoreFileFormat(rawValue: format) ?? .jsonl,
                               progress: { progress.update(scored: $0, total: $1) })
        progress.finish()
    }
}

/// "scored N/M users, X users/s" on standard error, rewritten in place (at most 5 times a second
/// and at the end).
final class ProgressLine {
    let enabled: Bool
    private let start: ContinuousClock.Instant
    private var last: ContinuousClock.Instant
    private var shown = false

    init(enabled: Bool) {
        self.enabled = enabled
        start = ContinuousClock.now
        last = start
    }

    func update(scored: Int, total: Int) {
        guard enabled else { return }
        let now = ContinuousClock.now
        guard scored == total || now - last >= .milliseconds(200) else { return }
        last = now
        let seconds = (now - start).seconds
        let rate = seconds > 0 ? Int((Double(scored) / seconds).rounded()) : 0
        fputs("\rscored \(scored)/\(total) users, \(rate) users/s\u{1B}[K", stderr)
        shown = true
    }

    func finish() {
        if enabled && shown { fputs("\n", stderr) }
    }
}
