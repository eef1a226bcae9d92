import Foundation
import XCTest
@testable import GSAU
@testable import GSAUCAPI
import GSAUHeader

/// Loading a checkpoint or a dataset and batch queries compute what they will allocate before
/// allocating and refuse, with `outOfMemory` / GSAU_E_OUT_OF_MEMORY naming the need and the cap,
/// beyond the process's memory limit (`MemoryLimit`, `gsau_memory_limit`); a checkpoint whose
/// header claims sizes its file cannot hold is refused as corrupt before anything is allocated.
final class MemoryBoundTests: XCTestCase {
    private static var saved: (path: String, bytes: [UInt8])?

    override func tearDown() {
        _ = try? MemoryLimit.set(0)
        super.tearDown()
    }

    /// A checkpoint of one epoch of GSAU(rec) on the tiny fixture, saved once.
    private func checkpoint() throws -> (path: String, bytes: [UInt8]) {
        if let s = Self.saved { return s }
        let model = try trainTinyGSAURec()
        let path = NSTemporaryDirectory() + "gsau-memory-\(getpid()).gsau"
        try model.save(to: path)
        Self.saved = (path, try model.serialized())
        return Self.saved!
    }

    override class func tearDown() {
        if let s = saved { unlink(s.path) }
        super.tearDown()
    }

    private func assertOutOfMemory(_ error: Error, mentions parts: [String], file: StaticString = #filePath, line: UInt = #line) {
        guard case GSAUError.outOfMemory(let message) = error else {
            return XCTFail("expected outOfMemory, got \(error)", file: file, line: line)
        }
        for part in parts { XCTAssertTrue(message.contains(part), "'\(part)' not in: \(message)", file: file, line: line) }
    }

    // MARK: the setting

    func testTheLimitIsOneProcessWideSettingReadAndSetThroughTheCAPI() throws {
        XCTAssertEqual(GSAUCAPI.gsau_memory_limit(-1), 0)
        XCTAssertEqual(GSAUCAPI.gsau_memory_limit(12_345), 0)
        XCTAssertEqual(MemoryLimit.current, 12_345)
        XCTAssertEqual(GSAUCAPI.gsau_memory_limit(-7), 12_345)            // negative: read only
        XCTAssertEqual(try MemoryLimit.set(0), 12_345)
        XCTAssertEqual(GSAUCAPI.gsau_memory_limit(-1), 0)
        XCTAssertThrowsError(try MemoryLimit.set(-1)) { error in
            guard case GSAUError.invalidArgument = error else { return XCTFail("\(error)") }
        }
    }

    // MARK: checkpoints

    func testACheckpointOverTheLimitIsRefusedNamingTheNeedAndTheCap() throws {
        let (path, bytes) = try checkpoint()
        XCTAssertNoThrow(try GSAUModel.load(from: path))
        // Under the file's size: refused before the file is read.
        try MemoryLimit.set(bytes.count / 2)
        XCTAssertThrowsError(try GSAUModel.load(from: path)) {
            assertOutOfMemory($0, mentions: ["loading \(path) needs about", "the file's \(bytes.count) bytes", "the memory limit set is"])
        }
        // The file fits, its decoded ids and parameters do not: refused while decoding, before allocating them.
        try MemoryLimit.set(bytes.count + 64)
        XCTAssertThrowsError(try GSAUModel.load(from: path)) {
            assertOutOfMemory($0, mentions: ["loading \(path) needs about", "the file's bytes and its decoded", "the memory limit set is"])
        }
        try MemoryLimit.set(64 * bytes.count)
        XCTAssertNoThrow(try GSAUModel.load(from: path))

        // The C API: GSAU_E_OUT_OF_MEMORY with the message.
        XCTAssertEqual(GSAUCAPI.gsau_memory_limit(Int64(bytes.count + 64)), Int64(64 * bytes.count))
        var model: OpaquePointer? = nil
        XCTAssertEqual(gsau_model_load(&model, path), GSAU_E_OUT_OF_MEMORY)
        XCTAssertNil(model)
        let message = String(cString: gsau_last_error_message())
        XCTAssertTrue(message.hasPrefix("gsau_model_load: out of memory: loading"), message)
        XCTAssertEqual(GSAUCAPI.gsau_memory_limit(0), Int64(bytes.count + 64))
        XCTAssertEqual(gsau_model_load(&model, path), GSAU_OK)
        gsau_model_free(model)
    }

    /// `bytes` with the u64 at `offset` replaced and the checksum recomputed.
    private func patched(_ bytes: [UInt8], u64 value: UInt64, at offset: Int) -> [UInt8] {
        var b = bytes
        for k in 0..<8 { b[offset + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(k))) }
        let crc = CRC32C.checksum(b, range: 0..<(b.count - 4))
        for k in 0..<4 { b[b.count - 4 + k] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(k))) }
        return b
    }

    /// The offset of the first occurrence of `needle` in `bytes`.
    private func offset(of needle: [UInt8], in bytes: [UInt8]) throws -> Int {
        try XCTUnwrap((0...(bytes.count - needle.count)).first { bytes[$0..<($0 + needle.count)].elementsEqual(needle) })
    }

    private func u64(_ v: Int) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    private func u32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }

    func testAHeaderClaimingHugeSizesIsRefusedBeforeAllocating() throws {
        let (_, bytes) = try checkpoint()
        let model = try GSAUModel.deserialize(bytes, source: "valid")
        let users = model.dataset.users.tokens, items = model.dataset.items.tokens
        // Where the header stores the id counts (each followed by its first token), the
        // interaction count (followed by offsets[0] = 0) and the blob length.
        let userCount = try offset(of: u64(users.count - 1) + u32(users[1].utf8.count) + Array(users[1].utf8), in: bytes)
        let itemCount = try offset(of: u64(items.count - 1) + u32(items[1].utf8.count) + Array(items[1].utf8), in: bytes)
        let interactions = try offset(of: u64(model.dataset.sequence.count) + u64(0), in: bytes)
        let blob = try offset(of: u64(4 * model.parameters.count) + u32(model.layout.slots.count), in: bytes)
        // A limit of twice the file: had any claimed size been allocated or even counted before
        // it was checked against the file, the error would be outOfMemory, not corruptFile.
        try MemoryLimit.set(2 * bytes.count)
        let claims: [(String, Int, UInt64)] = [
            ("header_length", 12, 1 << 40), ("dataset.user_count", userCount, UInt64(Int32.max) - 1),
            ("dataset.user_count", userCount, 1 << 62), ("dataset.item_count", itemCount, 100_000_000),
            ("dataset.interaction_count", interactions, 1 << 40), ("dataset.interaction_count", interactions, UInt64.max),
            ("tensors.blob_length", blob, 1 << 50),
        ]
        for (field, at, value) in claims {
            let started = ContinuousClock.now
            XCTAssertThrowsError(try GSAUModel.deserialize(patched(bytes, u64: value, at: at), source: "crafted")) { error in
                guard case GSAUError.corruptFile(_, let message) = error else { return XCTFail("\(field) = \(value): \(error)") }
                XCTAssertTrue(message.contains(field), "\(field) = \(value): \(message)")
            }
            XCTAssertLessThan(ContinuousClock.now - started, .seconds(1), "\(field) = \(value)")
        }
    }

    // MARK: datasets

    func testADatasetOverTheLimitIsRefusedBeforeParsing() throws {
        let path = TestFiles.fixture("tiny.txt")
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        try MemoryLimit.set(size + 16)
        XCTAssertThrowsError(try Dataset.load(path: path)) {
            assertOutOfMemory($0, mentions: ["loading \(path) needs about", "interactions", "the memory limit set is"])
        }
        XCTAssertThrowsError(try Dataset(userIDs: Array(repeating: "u", count: 1000), itemIDs: Array(repeating: "i", count: 1000))) {
            assertOutOfMemory($0, mentions: ["loading <arrays>", "1000 interactions"])
        }
        var ds: OpaquePointer? = nil
        XCTAssertEqual(gsau_dataset_load(&ds, path, nil), GSAU_E_OUT_OF_MEMORY)
        XCTAssertNil(ds)
        XCTAssertTrue(String(cString: gsau_last_error_message()).hasPrefix("gsau_dataset_load: out of memory: loading"))
        try MemoryLimit.set(64 * size + (1 << 20))
        XCTAssertNoThrow(try Dataset.load(path: path))
    }

    func testCallerArraysAreCheckedBeforeTheyAreRead() throws {
        // One element behind each pointer, n far larger: refused before element 1 is read.
        let one: [Int64] = [1]
        var ds: OpaquePointer? = nil
        for n in [Int64(Int32.max), 1 << 40] {
            XCTAssertEqual(gsau_dataset_from_int64_arrays(&ds, one, one, nil, n, nil), GSAU_E_INVALID_ARGUMENT)
            XCTAssertTrue(String(cString: gsau_last_error_message()).contains("ids are 32-bit"))
        }
        try MemoryLimit.set(1 << 20)
        XCTAssertEqual(gsau_dataset_from_int64_arrays(&ds, one, one, nil, 1_000_000, nil), GSAU_E_OUT_OF_MEMORY)
        XCTAssertTrue(String(cString: gsau_last_error_message()).contains("loading <arrays> needs about"))
        XCTAssertNil(ds)
    }

    func testTheInteractionBoundCountsFieldsOrRows() {
        XCTAssertEqual(DatasetMemory.interactionBound(Array("u1 a b\n\nu2\tc  d \r\n".utf8), format: .sequence), 6)
        XCTAssertEqual(DatasetMemory.interactionBound(Array("user,item\n1,a\n2,b".utf8), format: .csv), 3)
        XCTAssertEqual(DatasetMemory.interactionBound(Array("user_id:token\titem_id:token\n1\ta\n".utf8), format: .atomic), 2)
        XCTAssertEqual(DatasetMemory.interactionBound([], format: .sequence), 0)
    }

    // MARK: queries

    func testABatchQueryOverTheLimitIsRefused() throws {
        let (path, _) = try checkpoint()
        var model: OpaquePointer? = nil
        XCTAssertEqual(gsau_model_load(&model, path), GSAU_OK)
        defer { gsau_model_free(model) }
        let users: [Int32] = Array(1...24), k: Int32 = 5
        var items = [Int32](repeating: 0, count: users.count * Int(k)), scores = [Float](repeating: 0, count: users.count * Int(k))
        var counts = [Int32](repeating: 0, count: users.count)
        XCTAssertEqual(gsau_model_recommend_batch(model, users, Int32(users.count), k, nil, &items, &scores, &counts), GSAU_OK)
        let engine = try QueryEngine(model: try GSAUModel.load(from: path))
        XCTAssertEqual(GSAUCAPI.gsau_memory_limit(256), 0)
        XCTAssertEqual(gsau_model_recommend_batch(model, users, Int32(users.count), k, nil, &items, &scores, &counts), GSAU_E_OUT_OF_MEMORY)
        let message = String(cString: gsau_last_error_message())
        XCTAssertTrue(message.contains("scoring 24 users' top 5 needs about") && message.contains("the memory limit set is"), message)
        XCTAssertThrowsError(try engine.writeScores(to: .file(path + ".scores"), count: 5)) {
            assertOutOfMemory($0, mentions: ["scoring 24 users' top 5"])
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".scores"))
    }
}
