import XCTest
import Foundation
@testable import GSAU

/// The checkpoint format (docs/CHECKPOINT.md): round trips, atomic saves, and rejection of every
/// kind of damaged or crafted file with an error (never a trap, never a silently different model).
final class CheckpointTests: XCTestCase {
    // MARK: fixtures

    private static var trained: [Variant: GSAUModel] = [:]

    private static func smallConfig(_ variant: Variant) -> ModelConfig {
        var c = ModelConfig(variant: variant)
        c.useTinyFixtureSizes(); c.seed = 7
        return c
    }

    /// A model trained for one epoch on the tiny fixture (trained once per variant).
    private func model(_ variant: Variant) throws -> GSAUModel {
        if let m = Self.trained[variant] { return m }
        let ds = try Dataset.load(path: TestFiles.fixture("tiny.txt"))
        var options = TrainingOptions()
        options.epochs = 1
        let (m, _) = try Trainer(config: Self.smallConfig(variant), dataset: ds, options: options).train()
        Self.trained[variant] = m
        return m
    }


    /// Rewrites the trailer so the file's checksum is valid again (to reach the structural checks).
    private func recomputeChecksum(_ bytes: inout [UInt8]) {
        let n = bytes.count
        let crc = CRC32C.checksum(bytes, range: 0..<(n - 4))
        for k in 0..<4 { bytes[n - 4 + k] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(k))) }
    }

    private func headerLength(_ bytes: [UInt8]) -> Int {
        (0..<8).reduce(0) { $0 | Int(bytes[12 + $1]) << (8 * $1) }
    }

    private func blobStart(_ bytes: [UInt8]) -> Int {
        let end = 20 + headerLength(bytes)
        return end + (64 - end % 64) % 64
    }

    /// Deserialising must throw `corruptFile` whose message contains every fragment.
    private func assertCorrupt(_ bytes: [UInt8], _ fragments: String..., file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try GSAUModel.deserialize(bytes, source: "crafted.gsau"), file: file, line: line) { error in
            guard case GSAUError.corruptFile(let path, let message) = error else {
                return XCTFail("expected corruptFile, got \(error)", file: file, line: line)
            }
            XCTAssertEqual(path, "crafted.gsau", file: file, line: line)
            for f in fragments {
                XCTAssertTrue(message.contains(f), "'\(message)' lacks '\(f)'", file: file, line: line)
            }
        }
    }

    private func assertSameModel(_ a: GSAUModel, _ b: GSAUModel, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(a.config, b.config, file: file, line: line)
        XCTAssertEqual(a.layout, b.layout, file: file, line: line)
        XCTAssertEqual(a.parameters.map(\.bitPattern), b.parameters.map(\.bitPattern), file: file, line: line)
        XCTAssertEqual(a.dataset.users, b.dataset.users, file: file, line: line)
        XCTAssertEqual(a.dataset.items, b.dataset.items, file: file, line: line)
        XCTAssertEqual(a.dataset.offsets, b.dataset.offsets, file: file, line: line)
        XCTAssertEqual(a.dataset.sequence, b.dataset.sequence, file: file, line: line)
        XCTAssertEqual(a.dataset.path, b.dataset.path, file: file, line: line)
        XCTAssertEqual(a.dataset.format, b.dataset.format, file: file, line: line)
        for split in EvaluationSplit.allCases {
            XCTAssertEqual(try a.evaluate(split: split), try b.evaluate(split: split), "\(split)", file: file, line: line)
        }
        for user in ["1", "2", "3", "17"] {
            for filterSeen in [false, true] {
                let x = try a.recommend(user: user, count: 10, filterSeen: filterSeen)
                let y = try b.recommend(user: user, count: 10, filterSeen: filterSeen)
                XCTAssertEqual(x.map(\.item), y.map(\.item), file: file, line: line)
                XCTAssertEqual(x.map(\.score.bitPattern), y.map(\.score.bitPattern), file: file, line: line)
            }
        }
    }

    // MARK: CRC32C

    func testCRC32CKnownVectors() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([UInt8]()), 0)
        // RFC 3720 (iSCSI) B.4 vectors.
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
        XCTAssertEqual(CRC32C.checksum((0..<32).map { UInt8($0) }), 0x46DD_794E)
        XCTAssertEqual(CRC32C.checksum((0..<32).map { UInt8(31 - $0) }), 0x113F_DB5C)
    }

    func testCRC32CSlicingMatchesBitwiseAndUpdatesIncrementally() {
        func bitwise(_ bytes: [UInt8]) -> UInt32 {
            var c: UInt32 = 0xFFFF_FFFF
            for b in bytes {
                c ^= UInt32(b)
                for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
            }
            return ~c
        }
        var rng = SystemRandomNumberGenerator()
        for n in [1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000] {
            let data = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let whole = CRC32C.checksum(data)
            XCTAssertEqual(whole, bitwise(data), "n = \(n)")
            for split in [0, 1, n / 3, n / 2, n] {
                let first = CRC32C.checksum(data, range: 0..<split)
                let both = data.withUnsafeBytes { CRC32C.update(first, UnsafeRawBufferPointer(rebasing: $0[split...])) }
                XCTAssertEqual(both, whole, "n = \(n), split = \(split)")
            }
        }
    }

    // MARK: round trips

    func testSequentialModelRoundTripsThroughAFile() throws {
        let m = try model(.gsauRec)
        let path = try temporaryFolder() + "/gsau-rec.gsau"
        try m.save(to: path)
        let loaded = try GSAUModel.load(from: path)
        try assertSameModel(m, loaded)
        XCTAssertNotNil(loaded.layout.slot(named: "sequential_encoder.trm_encoder.layer.1.feed_forward.dense_2.weight"))
    }

    func testGraphModelRoundTripsThroughAFile() throws {
        let m = try model(.directau)
        let path = try temporaryFolder() + "/directau.gsau"
        try m.save(to: path)
        let loaded = try GSAUModel.load(from: path)
        try assertSameModel(m, loaded)
        XCTAssertEqual(loaded.layout.slots.map(\.name), ["embedding_layer.user_embedding.weight", "embedding_layer.item_embedding.weight"])
    }

    func testSerializationIsCanonicalAndTheBlobIsAligned() throws {
        for v in [Variant.gsauRec, .directau] {
            let bytes = try model(v).serialized()
            XCTAssertEqual(Array(bytes[0..<4]), Array("GSAU".utf8))
            XCTAssertEqual(blobStart(bytes) % 64, 0)
            XCTAssertEqual(bytes.count, blobStart(bytes) + 4 * (try model(v)).parameters.count + 4)
            let again = try GSAUModel.deserialize(bytes, source: "memory").serialized()
            XCTAssertEqual(again, bytes, "\(v): re-serialising a loaded model gives the same bytes")
        }
    }

    func testEveryConfigFieldIsStoredAndRestored() throws {
        // The checkpoint's field list is ModelConfig's stored properties, in order, snake_cased:
        // a field added to ModelConfig without the checkpoint fails here.
        let labels = Mirror(reflecting: ModelConfig()).children.compactMap(\.label)
        let snake = labels.map { label in
            label.reduce(into: "") { out, ch in
                if ch.isUppercase { out += "_" + ch.lowercased() } else { out.append(ch) }
            }
        }
        XCTAssertEqual(ConfigSchema.fields.map(\.name), snake)

        // Every field set to a non-default value survives a round trip.
        let ds = try Dataset.load(path: TestFiles.fixture("tiny.txt"))
        var c = ModelConfig(variant: .gsau)
        c.userItemUniformity = false; c.alignPerLayer = true; c.gamma = 0.37; c.initialization = .normal002
        c.embeddingSize = 6; c.transformerLayers = 3; c.graphLayers = 4; c.heads = 3; c.innerSize = 5
        c.hiddenDropout = 0.125; c.attentionDropout = 0.25; c.layerNormEps = 1e-7; c.maxSequenceLength = 5
        c.batchSize = 7; c.learningRate = 0.003; c.beta1 = 0.8; c.beta2 = 0.95; c.adamEpsilon = 1e-6
        c.weightDecay = 0.01; c.seed = UInt64.max - 3
        try c.validate()
        let layout = ParameterLayout(config: c, userCount: ds.users.count, itemCount: ds.items.count)
        var rng = RandomGenerator(seed: 11)
        let parameters = (0..<layout.count).map { _ in Float(rng.nextNormal()) }
        let m = GSAUModel(config: c, dataset: ds, layout: layout, parameters: parameters)
        let loaded = try GSAUModel.deserialize(try m.serialized(), source: "memory")
        XCTAssertEqual(loaded.config, c)
        XCTAssertEqual(loaded.parameters, parameters)

        for v in Variant.allCases {
            let cv = Self.smallConfig(v)
            let l = ParameterLayout(config: cv, userCount: ds.users.count, itemCount: ds.items.count)
            let mv = GSAUModel(config: cv, dataset: ds, layout: l, parameters: [Float](repeating: 0.5, count: l.count))
            XCTAssertEqual(try GSAUModel.deserialize(try mv.serialized(), source: "memory").config, cv, "\(v)")
        }
    }

    func testRestoredDatasetKeepsTheSplit() throws {
        let m = try model(.gsauRec)
        let loaded = try GSAUModel.deserialize(try m.serialized(), source: "memory")
        let a = m.dataset, b = loaded.dataset
        XCTAssertEqual(b.userCount, a.userCount); XCTAssertEqual(b.itemCount, a.itemCount)
        XCTAssertEqual(b.trainItemCounts(), a.trainItemCounts())
        for u in 1..<Int32(a.users.count) {
            XCTAssertEqual(b.target(ofUser: u, split: .test), a.target(ofUser: u, split: .test))
            XCTAssertEqual(Array(b.history(ofUser: u, split: .validation)), Array(a.history(ofUser: u, split: .validation)))
        }
        XCTAssertNil(b.timestamps)
        XCTAssertEqual(b.report, LoadReport())
    }

    // MARK: saving

    func testSaveIsAtomicAndReplacesAnExistingFile() throws {
        let m = try model(.directau)
        let folder = try temporaryFolder()
        let path = folder + "/model.gsau"
        try "not a checkpoint".write(toFile: path, atomically: false, encoding: .utf8)
        try m.save(to: path)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["model.gsau"], "no temporary file is left")
        try assertSameModel(m, try GSAUModel.load(from: path))
        try model(.gsauRec).save(to: path)                       // replaced again, by another model
        XCTAssertEqual(try GSAUModel.load(from: path).config.variant, .gsauRec)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["model.gsau"])
    }

    func testSavingIntoAMissingFolderFailsWithIOAndLeavesNothing() throws {
        let folder = try temporaryFolder()
        let path = folder + "/missing/model.gsau"
        XCTAssertThrowsError(try model(.directau).save(to: path)) { error in
            guard case GSAUError.io = error else { return XCTFail("expected io, got \(error)") }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/missing"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), [])
    }

    func testNonFiniteParametersAreNotSaved() throws {
        let folder = try temporaryFolder()
        var m = try model(.gsauRec)
        let slot = m.layout.slot(named: "sequential_encoder.position_embedding.weight")!
        for bad in [Float.nan, .infinity, -.infinity] {
            m.parameters[slot.offset + 3] = bad
            XCTAssertThrowsError(try m.save(to: folder + "/bad.gsau")) { error in
                guard case GSAUError.numerical(let message) = error else { return XCTFail("expected numerical, got \(error)") }
                XCTAssertTrue(message.contains("sequential_encoder.position_embedding.weight"), message)
                XCTAssertTrue(message.contains("element 3"), message)
            }
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), [])
    }

    func testConfigurationsTheReaderRefusesAreNotSaved() throws {
        let ds = try Dataset.load(path: TestFiles.fixture("tiny.txt"))
        var c = Self.smallConfig(.directau)
        c.maxSequenceLength = 1 << 21                           // unused by a graph-only model, but over the limit
        let layout = ParameterLayout(config: c, userCount: ds.users.count, itemCount: ds.items.count)
        let m = GSAUModel(config: c, dataset: ds, layout: layout, parameters: [Float](repeating: 0.25, count: layout.count))
        XCTAssertThrowsError(try m.serialized()) { error in
            guard case GSAUError.invalidArgument(let message) = error else { return XCTFail("expected invalidArgument, got \(error)") }
            XCTAssertTrue(message.contains("config.max_sequence_length"), message)
        }
    }

    func testLoadingAMissingFileIsAnIOError() {
        XCTAssertThrowsError(try GSAUModel.load(from: "/nonexistent/gsau/model.gsau")) { error in
            guard case GSAUError.io = error else { return XCTFail("expected io, got \(error)") }
        }
    }

    // MARK: damaged files

    func testEveryTruncationIsRejected() throws {
        let bytes = try model(.directau).serialized()
        var lengths = Set(0..<min(bytes.count, 400))
        lengths.formUnion(stride(from: 400, to: bytes.count, by: 37))
        lengths.formUnion((bytes.count - 80)..<bytes.count)
        lengths.insert(blobStart(bytes)); lengths.insert(20 + headerLength(bytes))
        for n in lengths.sorted() {
            XCTAssertThrowsError(try GSAUModel.deserialize(Array(bytes[0..<n]), source: "cut.gsau"), "length \(n)") { error in
                guard case GSAUError.corruptFile = error else { return XCTFail("length \(n): \(error)") }
            }
        }
        assertCorrupt([], "file too short")
        var cut = Array(bytes[0..<(bytes.count - 100)])
        recomputeChecksum(&cut)                                  // a truncation with a valid checksum
        assertCorrupt(cut, "blob_length", "file size")
    }

    func testEveryBitFlipInThePreambleAndHeaderIsRejected() throws {
        let bytes = try model(.directau).serialized()
        let end = blobStart(bytes)
        var rejected = 0
        for byte in 0..<end {
            for bit in 0..<8 {
                var damaged = bytes
                damaged[byte] ^= 1 << bit
                do {
                    _ = try GSAUModel.deserialize(damaged, source: "flip.gsau")
                    XCTFail("flip of bit \(bit) of byte \(byte) was accepted")
                } catch GSAUError.corruptFile, GSAUError.versionMismatch {
                    rejected += 1
                }
            }
        }
        XCTAssertEqual(rejected, 8 * end)
    }

    func testSampledBitFlipsInTheRestAreRejected() throws {
        for v in [Variant.gsauRec, .directau] {
            let bytes = try model(v).serialized()
            var positions = Array(stride(from: blobStart(bytes), to: bytes.count, by: 7)) + Array((bytes.count - 4)..<bytes.count)
            positions += Array(stride(from: 20, to: blobStart(bytes), by: 13))        // the sequential header, sampled
            for byte in positions {
                for bit in [0, 3, 7] {
                    var damaged = bytes
                    damaged[byte] ^= 1 << bit
                    XCTAssertThrowsError(try GSAUModel.deserialize(damaged, source: "flip.gsau"), "\(v) byte \(byte) bit \(bit)") { error in
                        guard case GSAUError.corruptFile(_, let message) = error else { return XCTFail("\(error)") }
                        XCTAssertTrue(message.hasPrefix("checksum mismatch"), message)
                    }
                }
            }
        }
    }

    /// With the checksum recomputed after each change, the structural checks are all that stands
    /// between a crafted file and the model: every single-bit flip of the header and a few thousand
    /// random byte overwrites must either be rejected with an error or load a consistent model.
    /// (Some are legitimately accepted: another raw id, dataset path, seed, learning rate or
    /// in-range item id describes another valid model; the layout and tensors never change.)
    func testCraftedHeaderMutationsNeverCrash() throws {
        let original = try model(.directau)
        let bytes = try original.serialized()
        let end = 20 + headerLength(bytes)
        var accepted = 0, rejected = 0
        func attempt(_ damaged: [UInt8]) {
            do {
                let m = try GSAUModel.deserialize(damaged, source: "fuzz.gsau")
                accepted += 1
                XCTAssertEqual(m.layout, original.layout)
                XCTAssertEqual(m.parameters, original.parameters)
                XCTAssertNoThrow(try m.recommend(user: m.dataset.users.tokens[1], count: 3))
            } catch let error as GSAUError {
                switch error {
                case .corruptFile, .versionMismatch: rejected += 1
                default: XCTFail("unexpected error kind: \(error)")
                }
            } catch {
                XCTFail("non-GSAU error \(error)")
            }
        }
        for byte in 0..<end {
            for bit in 0..<8 {
                var damaged = bytes
                damaged[byte] ^= 1 << bit
                recomputeChecksum(&damaged)
                attempt(damaged)
            }
        }
        var rng = RandomGenerator(seed: 99)
        let specials: [UInt8] = [0x00, 0xFF, 0x7F, 0x80, 0x01]
        for _ in 0..<3000 {
            var damaged = bytes
            for _ in 0..<(1 + rng.nextInt(below: 4)) {
                let at = rng.nextInt(below: end)
                let span = min(1 + rng.nextInt(below: 8), end - at)
                let value = rng.nextInt(below: 2) == 0 ? specials[rng.nextInt(below: specials.count)] : UInt8(truncatingIfNeeded: rng.nextInt(below: 256))
                for k in at..<(at + span) { damaged[k] = value }
            }
            recomputeChecksum(&damaged)
            attempt(damaged)
        }
        XCTAssertGreaterThan(rejected, 4 * accepted, "most header mutations must be caught (accepted \(accepted))")
    }

    func testVersion1FilesStillLoad() throws {
        // A version-1 file (no BERT4Rec fields) of a SASRec-based model loads with the defaults.
        let m = try model(.gsauRec)
        var contents = Checkpoint.Contents(model: m)
        contents.version = 1
        let bytes = try contents.encoded()
        XCTAssertEqual(bytes[4], 1)
        XCTAssertLessThan(bytes.count, try m.serialized().count)
        let loaded = try GSAUModel.deserialize(bytes, source: "v1.gsau")
        XCTAssertEqual(loaded.config, m.config)
        XCTAssertEqual(loaded.parameters, m.parameters)
        XCTAssertEqual(loaded.config.sequentialEncoder, .sasrec)
        // The current field list under a version-1 number is refused.
        var mislabelled = try m.serialized()
        mislabelled[4] = 1
        recomputeChecksum(&mislabelled)
        assertCorrupt(mislabelled, "config.field_count", "34, expected 26 for format version 1")
    }

    func testWrongMagicIsRejected() throws {
        var bytes = try model(.directau).serialized()
        bytes[3] = UInt8(ascii: "X")
        assertCorrupt(bytes, "magic", "47 53 41 58")
        assertCorrupt(Array("user item\n1 2\n1 3\n1 4\n2 5 6 7 8 9 10 11\n".utf8), "magic", "not a GSAU checkpoint")
    }

    func testFutureVersionAndUnknownFlagsAreVersionMismatches() throws {
        let bytes = try model(.directau).serialized()
        var future = bytes
        future[4] = 8
        XCTAssertThrowsError(try GSAUModel.deserialize(future, source: "future.gsau")) { error in
            guard case GSAUError.versionMismatch(let message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("future.gsau") && message.contains("version 8") && message.contains("1 to 7"), message)
        }
        var flagged = bytes
        flagged[8] = 1
        XCTAssertThrowsError(try GSAUModel.deserialize(flagged, source: "flags.gsau")) { error in
            guard case GSAUError.versionMismatch(let message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("flags"), message)
        }
    }

    func testChecksumMismatchIsReportedAsSuch() throws {
        var bytes = try model(.gsauRec).serialized()
        bytes[bytes.count - 1] ^= 0x10
        assertCorrupt(bytes, "checksum mismatch")
    }

    func testNaNInATensorIsRejectedEvenWithAValidChecksum() throws {
        let m = try model(.gsauRec)
        var bytes = try m.serialized()
        let slot = m.layout.slot(named: "sequential_encoder.trm_encoder.layer.0.feed_forward.dense_1.bias")!
        let at = blobStart(bytes) + 4 * (slot.offset + 5)
        for (k, b) in [0x00, 0x00, 0xC0, 0x7F].enumerated() { bytes[at + k] = UInt8(b) }   // quiet NaN
        recomputeChecksum(&bytes)
        assertCorrupt(bytes, "tensor '\(slot.name)'", "element 5", "finite")
        for (k, b) in [0x00, 0x00, 0x80, 0xFF].enumerated() { bytes[at + k] = UInt8(b) }   // -inf
        recomputeChecksum(&bytes)
        assertCorrupt(bytes, "finite")
    }

    func testHugeHeaderLengthIsRejected() throws {
        let bytes = try model(.directau).serialized()
        for huge in [UInt64(1) << 40, UInt64.max, UInt64(bytes.count)] {
            var damaged = bytes
            for k in 0..<8 { damaged[12 + k] = UInt8(truncatingIfNeeded: huge >> (8 * UInt64(k))) }
            assertCorrupt(damaged, "checksum mismatch")
            recomputeChecksum(&damaged)
            assertCorrupt(damaged, "header_length")
        }
    }

    // MARK: crafted files with valid checksums

    private func crafted(_ variant: Variant, _ change: (inout Checkpoint.Contents) -> Void) throws -> [UInt8] {
        var contents = Checkpoint.Contents(model: try model(variant))
        change(&contents)
        return try contents.encoded()
    }

    func testTensorTableMustMatchTheLayout() throws {
        // Shape mismatch.
        assertCorrupt(try crafted(.gsauRec) { c in
            let s = c.tensors[1]
            c.tensors[1] = ParameterSlot(name: s.name, offset: s.offset, shape: [s.shape[0], s.shape[1] + 1])
        }, "tensor 'embedding_layer.item_embedding.weight' shape[1]", "expected 8")
        // Same element count, other shape.
        assertCorrupt(try crafted(.gsauRec) { c in
            let s = c.tensors[1]
            c.tensors[1] = ParameterSlot(name: s.name, offset: s.offset, shape: [s.shape[1], s.shape[0]])
        }, "shape[0]")
        // Rank.
        assertCorrupt(try crafted(.directau) { c in
            let s = c.tensors[0]
            c.tensors[0] = ParameterSlot(name: s.name, offset: s.offset, shape: [s.count])
        }, "rank")
        // A tensor missing, an extra one, renamed, moved.
        assertCorrupt(try crafted(.gsauRec) { c in c.tensors.removeLast() }, "tensors.count")
        assertCorrupt(try crafted(.directau) { c in c.tensors.append(ParameterSlot(name: "extra", offset: 0, shape: [1])) }, "tensors.count")
        assertCorrupt(try crafted(.directau) { c in
            let s = c.tensors[1]
            c.tensors[1] = ParameterSlot(name: "embedding_layer.item_embedding.weights", offset: s.offset, shape: s.shape)
        }, "tensors[1].name")
        assertCorrupt(try crafted(.directau) { c in
            let s = c.tensors[1]
            c.tensors[1] = ParameterSlot(name: s.name, offset: s.offset - 1, shape: s.shape)
        }, "offset", "back to back")
        // A blob that does not hold the layout's parameters.
        assertCorrupt(try crafted(.directau) { c in c.parameters.append(1) }, "blob_length")
        // Config and tensors disagree: a wider embedding than the stored tables.
        assertCorrupt(try crafted(.directau) { c in c.config.embeddingSize = 16 }, "blob_length", "imply")
    }

    func testHistoriesAreValidated() throws {
        let m = try model(.gsauRec)
        let items = m.dataset.items.count
        assertCorrupt(try crafted(.gsauRec) { c in c.sequence[10] = Int32(items) }, "dataset histories", "item id \(items)", "outside")
        assertCorrupt(try crafted(.gsauRec) { c in c.sequence[0] = 0 }, "item id 0")
        assertCorrupt(try crafted(.gsauRec) { c in c.sequence[0] = -5 }, "item id -5")
        assertCorrupt(try crafted(.gsauRec) { c in c.offsets.swapAt(3, 4) }, "offsets[")
        assertCorrupt(try crafted(.gsauRec) { c in c.offsets[3] = c.offsets[2] + 2 }, "user 2", "at least 3")
        assertCorrupt(try crafted(.gsauRec) { c in c.sequence.append(1) }, "offsets ends")
        assertCorrupt(try crafted(.gsauRec) { c in c.offsets[1] = 1 }, "padding user")
        assertCorrupt(try crafted(.gsauRec) { c in c.offsets[2] = -1 }, "dataset")
        assertCorrupt(try crafted(.gsauRec) { c in c.sequence.removeLast() }, "dataset")
    }

    func testIDMapsAreValidated() throws {
        assertCorrupt(try crafted(.directau) { c in c.userTokens[2] = c.userTokens[0] }, "dataset.user_tokens", "duplicate")
        assertCorrupt(try crafted(.directau) { c in c.itemTokens[0] = "" }, "dataset.item_tokens[0]", "empty")
        assertCorrupt(try crafted(.directau) { c in c.itemTokens.removeLast() }, "dataset")   // the last item id is now out of range
        assertCorrupt(try crafted(.directau) { c in c.datasetFormat = "parquet" }, "dataset.format", "parquet")
        // Invalid UTF-8 in a token (patched in place: "1" -> 0xFF, a byte no UTF-8 string contains).
        var bytes = try crafted(.directau) { c in c.userTokens[0] = "ZZZZ" }
        let at = (0..<bytes.count - 4).first { bytes[$0..<($0 + 4)].elementsEqual("ZZZZ".utf8) }!
        bytes[at] = 0xFF
        recomputeChecksum(&bytes)
        assertCorrupt(bytes, "dataset.user_tokens[0]", "UTF-8")
    }

    func testInvalidConfigurationsAreRejected() throws {
        assertCorrupt(try crafted(.gsauRec) { c in c.config.heads = 3 }, "config", "multiple of the number of heads")
        assertCorrupt(try crafted(.directau) { c in c.config.graphLayers = 1000 }, "config.graph_layers", "1000")
        assertCorrupt(try crafted(.directau) { c in c.config.maxSequenceLength = 1 << 40 }, "config.max_sequence_length", "exceeds the limit")
        assertCorrupt(try crafted(.directau) { c in c.config.adamEpsilon = .infinity }, "config.adam_epsilon", "not finite")
        assertCorrupt(try crafted(.directau) { c in c.config.gamma = .nan }, "config.gamma")
        assertCorrupt(try crafted(.directau) { c in c.config.predictWithGraph = false }, "config", "graph-only model")
        // A config field renamed in place (same length, so only the name check can catch it).
        var bytes = try crafted(.directau) { _ in }
        let name = Array("graph_layers".utf8)
        let at = (0..<bytes.count - name.count).first { bytes[$0..<($0 + name.count)].elementsEqual(name) }!
        bytes[at] = UInt8(ascii: "G")
        recomputeChecksum(&bytes)
        assertCorrupt(bytes, "config field 15", "Graph_layers", "expected 'graph_layers'")
        // An unknown enum raw value, same length as the real one.
        bytes = try crafted(.directau) { _ in }
        let variant = Array("directau".utf8)
        let v = (0..<bytes.count - variant.count).first { bytes[$0..<($0 + variant.count)].elementsEqual(variant) }!
        bytes[v] = UInt8(ascii: "x")
        recomputeChecksum(&bytes)
        assertCorrupt(bytes, "config.variant", "unknown value 'xirectau'")
        // A boolean byte that is neither 0 nor 1.
        bytes = try crafted(.directau) { _ in }
        let flag = Array("use_graph".utf8)
        let f = (0..<bytes.count - flag.count).first { bytes[$0..<($0 + flag.count)].elementsEqual(flag) }!
        XCTAssertEqual(bytes[f + flag.count], 1)                // type code: bool
        bytes[f + flag.count + 1] = 2
        recomputeChecksum(&bytes)
        assertCorrupt(bytes, "config.use_graph", "boolean byte 2")
    }
}
