import Foundation
import XCTest
@testable import GSAU
@testable import GSAUCAPI
import GSAUHeader

/// Batch scoring to a file (`QueryEngine.writeScores`, `gsau_model_score_to_file`): the file read
/// back equals the batch path bit for bit and single queries up to float rounding, with and
/// without filters, in both formats; unknown ids fail before anything is written.
final class BatchScoringTests: XCTestCase {
    nonisolated(unsafe) private static var trained: [Variant: GSAUModel] = [:]

    private func model(_ variant: Variant, path: String = TestFiles.fixture("tiny.txt")) throws -> GSAUModel {
        if path == TestFiles.fixture("tiny.txt"), let m = Self.trained[variant] { return m }
        var dataOptions = DatasetOptions()
        dataOptions.format = .sequence                   // odd ids with commas would look like CSV
        let ds = try Dataset.load(path: path, options: dataOptions)
        var c = ModelConfig(variant: variant)
        c.useTinyFixtureSizes(); c.seed = 7
        var options = TrainingOptions()
        options.epochs = 2
        let (m, _) = try Trainer(config: c, dataset: ds, options: options).train()
        if path == TestFiles.fixture("tiny.txt") { Self.trained[variant] = m }
        return m
    }


    /// One user's list as read back from a file.
    struct Row: Equatable {
        var user: String
        var items: [String]
        var scores: [Float]
    }

    /// JSON Lines, one object per line.
    private func readJSONL(_ path: String) throws -> [Row] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.isEmpty || text.hasSuffix("\n"))
        return try text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { line in
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            XCTAssertEqual(object.keys.sorted(), ["items", "scores", "user"])
            let scores = try XCTUnwrap(object["scores"] as? [NSNumber]).map { Float($0.doubleValue) }
            return Row(user: try XCTUnwrap(object["user"] as? String), items: try XCTUnwrap(object["items"] as? [String]), scores: scores)
        }
    }

    /// RFC 4180 records (quoted fields may hold commas, quotes and line breaks).
    private func parseCSV(_ text: String) -> [[String]] {
        var records: [[String]] = [], record: [String] = [], field = "", quoted = false, afterQuote = false
        var chars = Array(text)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { field.append("\""); chars.removeFirst() } else { quoted = false; afterQuote = true }
                } else { field.append(c) }
            } else if c == "\"" && field.isEmpty && !afterQuote {
                quoted = true
            } else if c == "," {
                record.append(field); field = ""; afterQuote = false
            } else if c == "\n" {
                record.append(field); records.append(record); record = []; field = ""; afterQuote = false
            } else {
                XCTAssertFalse(afterQuote, "text after a closing quote")
                field.append(c)
            }
        }
        XCTAssertTrue(record.isEmpty && field.isEmpty, "the last record is not terminated")
        return records
    }

    /// CSV rows grouped back into lists; `users` gives the expected user order (a user without
    /// candidates has no rows, so it is matched by position).
    private func readCSV(_ path: String, users: [String]) throws -> [Row] {
        let records = parseCSV(try String(contentsOfFile: path, encoding: .utf8))
        XCTAssertEqual(records.first, ["user", "rank", "item", "score"])
        var rows = users.map { Row(user: $0, items: [], scores: []) }
        var next = 0
        for record in records.dropFirst() {
            XCTAssertEqual(record.count, 4)
            let rank = try XCTUnwrap(Int(record[1]))
            if rank == 1 { while next < rows.count && rows[next].user != record[0] { next += 1 }; next += 1 }
            XCTAssertEqual(rows[next - 1].user, record[0])
            XCTAssertEqual(rows[next - 1].items.count + 1, rank)
            rows[next - 1].items.append(record[2])
            rows[next - 1].scores.append(try XCTUnwrap(Float(record[3])))      // strtof: exact
        }
        return rows
    }

    private func read(_ path: String, _ format: ScoreFileFormat, users: [String]) throws -> [Row] {
        format == .jsonl ? try readJSONL(path) : try readCSV(path, users: users)
    }

    /// `recommend(userIndices:...)`, the batch path, as rows of raw ids.
    private func batch(_ engine: QueryEngine, _ users: [Int32], count: Int, filter: ItemFilter) throws -> [Row] {
        let slots = count                                  // row b starts at b * count
        var ids = [Int32](repeating: 0, count: users.count * slots), scores = [Float](repeating: 0, count: users.count * slots)
        var counts = [Int32](repeating: 0, count: users.count)
        try users.withUnsafeBufferPointer { try engine.recommend(userIndices: $0, count: count, filter: filter, ids: &ids, scores: &scores, counts: &counts) }
        return users.enumerated().map { b, u in
            let range = (b * slots)..<(b * slots + Int(counts[b]))
            return Row(user: engine.dataset.users.tokens[Int(u)], items: ids[range].map { engine.dataset.items.tokens[Int($0)] },
                       scores: Array(scores[range]))
        }
    }

    func testFileEqualsTheBatchPathAndSingleQueries() throws {
        let folder = try temporaryFolder()
        for variant in [Variant.gsauRec, .directau] {
            let engine = try QueryEngine(model: try model(variant))
            let many = (0..<300).map { Int32(1 + ($0 * 7) % 24) }      // > one block of 256, every user many times
            XCTAssertGreaterThan(many.count, QueryEngine.scoringBlock)
            let lists: [(String, [Int32]?)] = [("300 users", many), ("every user", nil), ("5 users", [3, 1, 3, 9, 24])]
            for (what, users) in lists {
                let indices = users ?? engine.allUserIndices
                let tokens = indices.map { engine.dataset.users.tokens[Int($0)] }
                for filter in [ItemFilter.none, ItemFilter(excludeSeen: true, excluded: [2, 5])] {
                    for count in [6, 1000] {
                        for format in ScoreFileFormat.allCases {
                            // The batch call with the same cached users (the single queries below
                            // cache theirs, and a batch's last bits depend on which users are cached).
                            let expected = try batch(engine, indices, count: count, filter: filter)
                            let path = "\(folder)/\(variant.rawValue)-\(format.rawValue)"
                            var calls: [(Int, Int)] = []
                            try engine.writeScores(to: .file(path), userIndices: users, count: count, filter: filter, format: format,
                                                   progress: { calls.append(($0, $1)) })
                            let label = "\(variant) \(what) \(filter) k \(count) \(format)"
                            let rows = try read(path, format, users: tokens)
                            XCTAssertEqual(rows, expected, label)
                            XCTAssertEqual(calls.last?.0, indices.count, label)
                            XCTAssertEqual(calls.count, indices.count >= QueryEngine.blockedBatchThreshold
                                           ? (indices.count + QueryEngine.scoringBlock - 1) / QueryEngine.scoringBlock : 1, label)
                            // Single queries: the same items, scores up to float rounding (gemm vs gemv).
                            for (b, u) in indices.enumerated() where b < 30 {
                                var one = [Int32](repeating: 0, count: min(count, 20)), oneScores = [Float](repeating: 0, count: min(count, 20))
                                let n = try engine.recommend(userIndex: u, count: min(count, 20), filter: filter, ids: &one, scores: &oneScores)
                                XCTAssertEqual(rows[b].items, one.prefix(n).map { engine.dataset.items.tokens[Int($0)] }, label)
                                for j in 0..<n { XCTAssertEqual(rows[b].scores[j], oneScores[j], accuracy: 1e-5 * max(1, abs(oneScores[j])), label) }
                            }
                        }
                    }
                }
            }
            // Filters remove what they say: no seen or excluded item in any list.
            let path = "\(folder)/filtered.jsonl"
            try engine.writeScores(to: .file(path), users: ["1", "2"], count: 20, filterSeen: true, excludedItems: ["3"])
            for row in try readJSONL(path) {
                let seen = engine.dataset.items(ofUser: engine.dataset.users.id(of: row.user)!).map { engine.dataset.items.tokens[Int($0)] }
                XCTAssertTrue(Set(row.items).isDisjoint(with: seen + ["3"]))
                XCTAssertEqual(row.items.count, 20 - Set(seen + ["3"]).count, "\(row.user)")     // tiny.txt has 20 items
            }
        }
    }

    func testUnknownIDsFailBeforeAnythingIsWritten() throws {
        let folder = try temporaryFolder()
        let engine = try QueryEngine(model: try model(.gsauRec))
        let path = "\(folder)/scores.jsonl"
        for format in ScoreFileFormat.allCases {
            XCTAssertThrowsError(try engine.writeScores(to: .file(path), users: ["1", "no-such-user", "2"], count: 5, format: format)) {
                XCTAssertEqual($0 as? GSAUError, .unknownID("user 'no-such-user'"))
            }
            XCTAssertThrowsError(try engine.writeScores(to: .file(path), count: 5, excludedItems: ["no-such-item"], format: format)) {
                XCTAssertEqual($0 as? GSAUError, .unknownID("item 'no-such-item'"))
            }
            XCTAssertThrowsError(try engine.writeScores(to: .file(path), userIndices: [1, 25], count: 5, filter: .none, format: format))
            XCTAssertThrowsError(try engine.writeScores(to: .file(path), userIndices: nil, count: 0, filter: .none, format: format))
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), [], "no file, no temporary file")
        }
        // An existing file is left as it was; an unwritable path fails with an io error.
        try "old\n".write(toFile: path, atomically: false, encoding: .utf8)
        XCTAssertThrowsError(try engine.writeScores(to: .file(path), users: ["no-such-user"], count: 5))
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "old\n")
        XCTAssertThrowsError(try engine.writeScores(to: .file("\(folder)/missing/scores.csv"), count: 5, format: .csv)) {
            guard case .io = $0 as? GSAUError else { return XCTFail("\($0)") }
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["scores.jsonl"])
        // An empty list writes an empty file (CSV: the header only).
        try engine.writeScores(to: .file(path), users: [], count: 5, format: .csv)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "user,rank,item,score\n")
    }

    /// Raw ids that JSON must escape and CSV must quote come back as they were.
    func testIDsThatNeedQuotingRoundTrip() throws {
        let folder = try temporaryFolder()
        let odd = ["a,b", "say \"hi\"", "back\\slash", "tab\tid", "é€", "plain", "'single'", "x;y"]
        var lines: [String] = []
        for u in 0..<6 {   // sequence file: whitespace separates tokens, so ids here hold no spaces
            let user = ["u,\(u)", "u\"\(u)", "u\(u)"][u % 3]
            lines.append(([user] + (0..<5).map { odd[(u + $0 * 3) % odd.count].replacingOccurrences(of: " ", with: "_").replacingOccurrences(of: "\t", with: "_") }).joined(separator: " "))
        }
        let data = "\(folder)/odd.txt"
        try (lines.joined(separator: "\n") + "\n").write(toFile: data, atomically: false, encoding: .utf8)
        let m = try model(.gsauRec, path: data)
        let engine = try QueryEngine(model: m)
        let users = Array(m.dataset.users.tokens.dropFirst())
        XCTAssertTrue(users.contains("u,0") && users.contains("u\"1"))
        let expected = try engine.recommend(users: users, count: 4).enumerated().map { b, list in
            Row(user: users[b], items: list.map(\.item), scores: list.map(\.score))
        }
        for format in ScoreFileFormat.allCases {
            let path = "\(folder)/odd.\(format.rawValue)"
            try engine.writeScores(to: .file(path), users: users, count: 4, format: format)
            XCTAssertEqual(try read(path, format, users: users), expected, "\(format)")
        }
        let csv = try String(contentsOfFile: "\(folder)/odd.csv", encoding: .utf8)
        XCTAssertTrue(csv.contains("\n\"u,0\",1,"), csv)
        XCTAssertTrue(csv.contains("\n\"u\"\"1\",1,"), csv)
    }

    func testIDListFiles() throws {
        let path = try TestFiles.temporary("a\r\n\nb c\n\"q\"\nlast", suffix: ".txt")
        let list = try readIDList(path: path)
        XCTAssertEqual(list.map(\.line), [1, 3, 4, 5])
        XCTAssertEqual(list.map(\.id), ["a", "b c", "\"q\"", "last"])
        XCTAssertThrowsError(try readIDList(path: path + ".missing"))
    }

    func testCAPI() throws {
        let folder = try temporaryFolder()
        let m = try model(.gsauRec)
        let handle = register(try ModelHandle(m, result: nil))
        defer { gsau_model_free(handle) }
        let engine = try QueryEngine(model: m)
        let path = "\(folder)/c.jsonl"
        // Every user, no filter.
        XCTAssertEqual(gsau_model_score_to_file(handle, nil, 0, 3, nil, GSAU_SCORE_JSONL, path), GSAU_OK,
                       String(cString: gsau_last_error_message()))
        XCTAssertEqual(try readJSONL(path), try batch(engine, engine.allUserIndices, count: 3, filter: .none))
        // A list, with a query.
        let users: [Int32] = Array((0..<100).map { Int32(1 + $0 % 24) })
        var q = gsau_query()
        gsau_query_init(&q)
        q.filter_seen = 1
        let excluded: [Int32] = [4]
        let status = excluded.withUnsafeBufferPointer { e -> gsau_status in
            q.excluded_items = e.baseAddress; q.n_excluded = 1
            return gsau_model_score_to_file(handle, users, Int32(users.count), 5, &q, GSAU_SCORE_CSV, path)
        }
        XCTAssertEqual(status, GSAU_OK, String(cString: gsau_last_error_message()))
        XCTAssertEqual(try readCSV(path, users: users.map { m.dataset.users.tokens[Int($0)] }),
                       try batch(engine, users, count: 5, filter: ItemFilter(excludeSeen: true, excluded: [4])))
        // Errors: nothing written.
        let bad = "\(folder)/bad"
        XCTAssertEqual(gsau_model_score_to_file(handle, [1, 99], 2, 5, nil, GSAU_SCORE_JSONL, bad), GSAU_E_UNKNOWN_ID)
        XCTAssertTrue(String(cString: gsau_last_error_message()).contains("user index 99"))
        XCTAssertEqual(gsau_model_score_to_file(handle, nil, 3, 5, nil, GSAU_SCORE_JSONL, bad), GSAU_E_INVALID_ARGUMENT)
        XCTAssertEqual(gsau_model_score_to_file(handle, [1], -1, 5, nil, GSAU_SCORE_JSONL, bad), GSAU_E_INVALID_ARGUMENT)
        XCTAssertEqual(gsau_model_score_to_file(handle, nil, 0, 0, nil, GSAU_SCORE_JSONL, bad), GSAU_E_INVALID_ARGUMENT)
        XCTAssertEqual(gsau_model_score_to_file(handle, nil, 0, 5, nil, 2, bad), GSAU_E_INVALID_ARGUMENT)
        XCTAssertEqual(gsau_model_score_to_file(handle, nil, 0, 5, nil, GSAU_SCORE_CSV, nil), GSAU_E_INVALID_ARGUMENT)
        XCTAssertEqual(gsau_model_score_to_file(nil, nil, 0, 5, nil, GSAU_SCORE_CSV, bad), GSAU_E_MISUSE)
        XCTAssertEqual(gsau_model_score_to_file(handle, nil, 0, 5, nil, GSAU_SCORE_CSV, "\(folder)/no/such/dir/x"), GSAU_E_IO)
        XCTAssertFalse(FileManager.default.fileExists(atPath: bad))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder).sorted(), ["c.jsonl"])
    }
}
