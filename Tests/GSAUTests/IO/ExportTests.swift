import XCTest
import Foundation
@testable import GSAU
@testable import GSAUCAPI
import GSAUHeader

/// The safetensors export of a model's scoring tables (docs/CHECKPOINT.md, "Export"): the file is
/// read back here with a small reader of its own (the byte layout by hand, the header with
/// Foundation's JSON parser) and compared with the engine's vectors, bit for bit.
final class ExportTests: XCTestCase {
    // MARK: fixtures

    private static var trained: [Variant: GSAUModel] = [:]

    private static func smallConfig(_ variant: Variant) -> ModelConfig {
        var c = ModelConfig(variant: variant)
        c.useTinyFixtureSizes(); c.seed = 7
        return c
    }

    private func train(_ variant: Variant, path: String) throws -> GSAUModel {
        var options = TrainingOptions()
        options.epochs = 1
        return try Trainer(config: Self.smallConfig(variant), dataset: try Dataset.load(path: path), options: options).train().0
    }

    /// A model trained for one epoch on the tiny fixture (once per variant).
    private func model(_ variant: Variant) throws -> GSAUModel {
        if let m = Self.trained[variant] { return m }
        let m = try train(variant, path: TestFiles.fixture("tiny.txt"))
        Self.trained[variant] = m
        return m
    }


    // MARK: a minimal safetensors reader

    private struct Tensor {
        let shape: [Int]
        let values: [Float]
    }

    private struct File {
        var headerSize = 0
        var metadata: [String: String] = [:]
        var tensors: [String: Tensor] = [:]
        /// Tensor names in the order of their data.
        var order: [String] = []
    }

    /// Reads a safetensors file, asserting the format's rules on the way: the header size, a
    /// header that is a JSON object padded with spaces only, 8-byte aligned data, F32 tensors whose
    /// offsets cover the data back to back from 0 to its end, string-only metadata.
    private func parse(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) throws -> File {
        var out = File()
        XCTAssertGreaterThanOrEqual(bytes.count, 8, file: file, line: line)
        let n = (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
        out.headerSize = n
        XCTAssertLessThanOrEqual(8 + n, bytes.count, file: file, line: line)
        XCTAssertEqual((8 + n) % 8, 0, "the data must start 8-byte aligned", file: file, line: line)
        let header = Array(bytes[8..<(8 + n)])
        XCTAssertEqual(header.first, UInt8(ascii: "{"), file: file, line: line)
        let close = try XCTUnwrap(header.lastIndex(of: UInt8(ascii: "}")), file: file, line: line)
        XCTAssertTrue(header[(close + 1)...].allSatisfy { $0 == UInt8(ascii: " ") }, "only spaces may pad the header", file: file, line: line)
        XCTAssertLessThan(header.count - close - 1, 8, "more padding than alignment needs", file: file, line: line)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(header)) as? [String: Any], file: file, line: line)
        let data = Array(bytes[(8 + n)...])
        var spans: [(name: String, begin: Int, end: Int)] = []
        for (name, value) in json {
            if name == "__metadata__" {
                let map = try XCTUnwrap(value as? [String: Any], file: file, line: line)
                for (k, v) in map { out.metadata[k] = try XCTUnwrap(v as? String, "metadata \(k) is not a string", file: file, line: line) }
                continue
            }
            let entry = try XCTUnwrap(value as? [String: Any], file: file, line: line)
            XCTAssertEqual(entry["dtype"] as? String, "F32", file: file, line: line)
            let shape = try XCTUnwrap(integers(entry["shape"]), file: file, line: line)
            let offsets = try XCTUnwrap(integers(entry["data_offsets"]), file: file, line: line)
            XCTAssertEqual(offsets.count, 2, file: file, line: line)
            XCTAssertEqual(offsets[1] - offsets[0], 4 * shape.reduce(1, *), "\(name): offsets vs shape", file: file, line: line)
            XCTAssertTrue(offsets[0] >= 0 && offsets[1] <= data.count, file: file, line: line)
            let values = (0..<(max(0, offsets[1] - offsets[0]) / 4)).map { k -> Float in
                let at = offsets[0] + 4 * k
                return Float(bitPattern: (0..<4).reduce(UInt32(0)) { $0 | UInt32(data[at + $1]) << (8 * UInt32($1)) })
            }
            out.tensors[name] = Tensor(shape: shape, values: values)
            spans.append((name, offsets[0], offsets[1]))
        }
        spans.sort { $0.begin < $1.begin }
        var next = 0
        for s in spans {
            XCTAssertEqual(s.begin, next, "\(s.name): the data has a hole or an overlap", file: file, line: line)
            next = s.end
        }
        XCTAssertEqual(next, data.count, "the tensors must cover the data to its end", file: file, line: line)
        out.order = spans.map(\.name)
        return out
    }

    /// A JSON array of integers (Foundation parses numbers as NSNumber).
    private func integers(_ value: Any?) -> [Int]? {
        guard let array = value as? [Any] else { return nil }
        let values = array.compactMap { ($0 as? NSNumber)?.intValue }
        return values.count == array.count ? values : nil
    }

    private func ids(_ json: String?) throws -> [String] {
        let text = try XCTUnwrap(json)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String])
    }

    // MARK: tests

    func testTablesAreTheEnginesVectorsAndReproduceItsScores() throws {
        for variant in [Variant.gsauRec, .directau, .bert4rec] {
            let model = try model(variant)
            let engine = try QueryEngine(model: model)
            let f = try parse(try engine.scoringTablesSafetensors())
            let d = model.config.embeddingSize, users = model.dataset.users.count, items = model.layout.itemCount
            let hasBias = variant == .bert4rec
            XCTAssertEqual(model.layout.outputBias != nil, hasBias, "\(variant)")
            XCTAssertEqual(f.order, hasBias ? ["item_vectors", "user_vectors", "item_bias"] : ["item_vectors", "user_vectors"], "\(variant)")

            let w = try XCTUnwrap(f.tensors["item_vectors"]), v = try XCTUnwrap(f.tensors["user_vectors"])
            XCTAssertEqual(w.shape, [items, d]); XCTAssertEqual(v.shape, [users, d])
            XCTAssertEqual(w.values.map(\.bitPattern), engine.itemVectors().map(\.bitPattern), "\(variant)")
            XCTAssertEqual(Array(v.values[0..<d]), [Float](repeating: 0, count: d), "row 0 is zeros")
            var row = [Float](repeating: .nan, count: d)
            for u in 1..<users {
                try engine.userVector(userIndex: Int32(u), into: &row)
                XCTAssertEqual(Array(v.values[(u * d)..<((u + 1) * d)]).map(\.bitPattern), row.map(\.bitPattern), "\(variant) user \(u)")
            }
            let bias = f.tensors["item_bias"]
            if hasBias {
                let b = try XCTUnwrap(bias)
                XCTAssertEqual(b.shape, [items])
                XCTAssertEqual(b.values.map(\.bitPattern), try XCTUnwrap(engine.itemBias()).map(\.bitPattern))
            }

            // score(u, i) = v_u · w_i (+ b_i) is the engine's score row.
            for u in 1..<users {
                let expected = engine.scores(userIndex: Int32(u))
                for i in 1..<items {
                    var s: Float = bias?.values[i] ?? 0
                    for j in 0..<d { s += v.values[u * d + j] * w.values[i * d + j] }
                    XCTAssertEqual(s, expected[i], accuracy: 1e-4 * max(1, abs(expected[i])), "\(variant) user \(u) item \(i)")
                }
            }

            XCTAssertEqual(f.metadata["format"], "gsau-export-1")
            XCTAssertEqual(f.metadata["gsau_version"], GSAUVersion.string)
            XCTAssertEqual(f.metadata["variant"], variant.rawValue)
            XCTAssertEqual(f.metadata["embedding_size"], "8")
            XCTAssertEqual(f.metadata["predicts_with_graph"], variant == .directau ? "true" : "false")
            XCTAssertEqual(f.metadata["score"], "user_vectors[u] . item_vectors[i]" + (hasBias ? " + item_bias[i]" : ""))
            XCTAssertEqual(try ids(f.metadata["user_ids"]), [""] + model.dataset.users.tokens.dropFirst())
            XCTAssertEqual(try ids(f.metadata["item_ids"]), [""] + model.dataset.items.tokens.dropFirst())
        }
    }

    func testIDsNeedingJSONEscapesRoundTripThroughTheFile() throws {
        // tiny.txt with every id wrapped in characters JSON must escape (quote, backslash, a control
        // character) and non-ASCII ones, so the id lists are JSON strings inside JSON strings.
        let text = try String(contentsOfFile: TestFiles.fixture("tiny.txt"), encoding: .utf8)
        let lines = text.split(separator: "\n").map { line in
            line.split(separator: " ").enumerated().map { k, t in k == 0 ? "u\"\(t)\\" : "i\u{01}\(t)/é€" }.joined(separator: " ")
        }
        let model = try train(.gsauRec, path: try TestFiles.temporary(lines.joined(separator: "\n") + "\n", suffix: ".txt"))
        XCTAssertTrue(model.dataset.users.tokens[1].hasPrefix("u\""))
        let path = try temporaryFolder() + "/tables.safetensors"
        try model.exportScoringTables(to: path)
        let f = try parse(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        XCTAssertEqual(try ids(f.metadata["user_ids"]), [""] + model.dataset.users.tokens.dropFirst())
        XCTAssertEqual(try ids(f.metadata["item_ids"]), [""] + model.dataset.items.tokens.dropFirst())
        XCTAssertEqual(f.tensors["user_vectors"]?.shape, [25, 8])

        XCTAssertThrowsError(try model.exportScoringTables(to: "/nonexistent-folder/x.safetensors")) { error in
            guard case GSAUError.io = error else { return XCTFail("expected io, got \(error)") }
        }
        // The export left its file and no temporary one.
        let folder = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["tables.safetensors"])
    }

    func testWriterLayout() throws {
        // One [2, 2] tensor: the header is the JSON object, padded to a multiple of 8 with spaces.
        let bytes = try Safetensors.encode([.init(name: "t", shape: [2, 2], values: [1, 2, 3, -0.5])], metadata: [("k", "v\"")])
        let json = #"{"__metadata__":{"k":"v\""},"t":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}"#
        let padded = json + String(repeating: " ", count: (8 - json.utf8.count % 8) % 8)
        XCTAssertEqual(Array(bytes[0..<8]), [UInt8(padded.utf8.count), 0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(String(decoding: bytes[8..<(8 + padded.utf8.count)], as: UTF8.self), padded)
        XCTAssertEqual(Array(bytes[(8 + padded.utf8.count)...]),
                       [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40, 0, 0, 0x40, 0x40, 0, 0, 0, 0xBF])
        let f = try parse(bytes)
        XCTAssertEqual(f.tensors["t"]?.values, [1, 2, 3, -0.5])
        XCTAssertEqual(f.metadata, ["k": "v\""])

        for (tensors, fragment) in [([Safetensors.Tensor(name: "t", shape: [2, 2], values: [1])], "shape"),
                                    ([.init(name: "t", shape: [1], values: [1]), .init(name: "t", shape: [1], values: [2])], "repeated"),
                                    ([.init(name: "__metadata__", shape: [1], values: [1])], "reserved")] {
            XCTAssertThrowsError(try Safetensors.encode(tensors, metadata: [])) { error in
                guard case GSAUError.invalidArgument(let message) = error else { return XCTFail("expected invalidArgument, got \(error)") }
                XCTAssertTrue(message.contains(fragment), message)
            }
        }
    }

    func testCAPIExportWritesTheEnginesFile() throws {
        let model = try model(.bert4rec)
        let handle = register(try ModelHandle(model, result: nil))
        defer { gsau_model_free(handle) }
        let path = try temporaryFolder() + "/c.safetensors"
        XCTAssertEqual(gsau_model_export(handle, path), GSAU_OK, String(cString: gsau_last_error_message()))
        let written = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(written, try resolveModel(handle).engine.scoringTablesSafetensors())
        XCTAssertNotNil(try parse(written).tensors["item_bias"])

        XCTAssertEqual(gsau_model_export(handle, nil), GSAU_E_INVALID_ARGUMENT)
        XCTAssertTrue(String(cString: gsau_last_error_message()).contains("path is NULL"))
        XCTAssertEqual(gsau_model_export(nil, path), GSAU_E_MISUSE)
        XCTAssertEqual(gsau_model_export(handle, "/nonexistent-folder/x.safetensors"), GSAU_E_IO)
        XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: path))), written, "a failed export leaves other files alone")
    }

    /// The engine's copy of the version (written into exports) is the header's.
    func testVersionMatchesTheHeader() {
        XCTAssertEqual(GSAUVersion.string, String(cString: gsau_version_string()))
        XCTAssertEqual(GSAUVersion.string, GSAU_VERSION_STRING)
    }
}
