import XCTest
import Dispatch
@testable import GSAU
@testable import GSAUCAPI
import GSAUHeader

/// The model part of the C API, called as C would (the test target links the C-API objects).
final class ModelCAPITests: XCTestCase {
    private func loadTinyDataset() -> OpaquePointer? { loadTinyCDataset() }
    private func tinyConfig(epochs: Int32) -> gsau_config { tinyCConfig(epochs: epochs) }
    private func trainTinyModel(variant: String = "gsau-rec", epochs: Int32 = 1) throws -> OpaquePointer {
        try trainTinyCModel(variant: variant, epochs: epochs)
    }

    private func recommend(_ m: OpaquePointer?, user: Int32, k: Int32, query: UnsafePointer<gsau_query>? = nil) -> (gsau_status, [Int32], [Float]) {
        var items = [Int32](repeating: 0, count: Int(max(k, 1))), scores = [Float](repeating: 0, count: Int(max(k, 1)))
        var count: Int32 = -1
        let status = gsau_model_recommend(m, user, k, query, &items, &scores, &count)
        return (status, Array(items.prefix(Int(max(count, 0)))), Array(scores.prefix(Int(max(count, 0)))))
    }

    func testTrainQuerySaveLoadRoundTrip() throws {
        let model = try trainTinyModel()
        defer { gsau_model_free(model) }
        var info = gsau_model_info()
        info.struct_size = UInt32(MemoryLayout<gsau_model_info>.size)
        XCTAssertEqual(gsau_model_info_get(model, &info), GSAU_OK)
        XCTAssertEqual(info.n_users, 24); XCTAssertEqual(info.n_items, 20); XCTAssertEqual(info.epochs_run, 1)
        var user: Int32 = 0
        XCTAssertEqual(gsau_model_user_index(model, "3", &user), GSAU_OK)
        let (status, items, scores) = recommend(model, user: user, k: 5)
        XCTAssertEqual(status, GSAU_OK)
        XCTAssertEqual(items.count, 5)
        XCTAssertEqual(scores, scores.sorted(by: >))

        let path = NSTemporaryDirectory() + "gsau-capi-\(getpid()).gsau"
        defer { unlink(path) }
        XCTAssertEqual(gsau_model_save(model, path), GSAU_OK)
        var loaded: OpaquePointer? = nil
        XCTAssertEqual(gsau_model_load(&loaded, path), GSAU_OK)
        defer { gsau_model_free(loaded) }
        var cfg = gsau_config()
        cfg.struct_size = UInt32(MemoryLayout<gsau_config>.size)
        XCTAssertEqual(gsau_model_config_get(loaded, &cfg), GSAU_OK)
        XCTAssertEqual(String(cString: cfg.variant), "gsau-rec")
        XCTAssertEqual(cfg.embedding_size, 8); XCTAssertEqual(cfg.batch_size, 32); XCTAssertEqual(cfg.gamma, 0.1)
        let again = recommend(loaded, user: user, k: 5)
        XCTAssertEqual(again.1, items); XCTAssertEqual(again.2, scores)

        var ks: [Int32] = [5, 10]
        var a = [Double](repeating: 0, count: 8), b = a
        XCTAssertEqual(gsau_model_evaluate(model, GSAU_SPLIT_TEST, &ks, 2, &a), GSAU_OK)
        XCTAssertEqual(gsau_model_evaluate(loaded, GSAU_SPLIT_TEST, &ks, 2, &b), GSAU_OK)
        XCTAssertEqual(a, b)

        // Batch equals single; sequence query with the user's items equals the user query.
        var users: [Int32] = [1, user, 7]
        var batchItems = [Int32](repeating: 0, count: 15), batchScores = [Float](repeating: 0, count: 15), counts = [Int32](repeating: 0, count: 3)
        XCTAssertEqual(gsau_model_recommend_batch(model, &users, 3, 5, nil, &batchItems, &batchScores, &counts), GSAU_OK)
        XCTAssertEqual(Array(batchItems[5..<10]), items)
        var sequence = Array(try Dataset.load(path: TestFiles.fixture("tiny.txt")).items(ofUser: user))
        var seqItems = [Int32](repeating: 0, count: 5), seqScores = [Float](repeating: 0, count: 5), seqCount: Int32 = 0
        XCTAssertEqual(gsau_model_recommend_sequence(model, &sequence, Int32(sequence.count), 5, nil, &seqItems, &seqScores, &seqCount), GSAU_OK)
        XCTAssertEqual(seqItems, items)

        // Filters.
        var q = gsau_query()
        gsau_query_init(&q)
        q.filter_seen = 1
        let filtered = recommend(model, user: user, k: 20, query: &q)
        XCTAssertEqual(filtered.0, GSAU_OK)
        XCTAssertTrue(Set(filtered.1).isDisjoint(with: Set(sequence)))
        let allowed: [Int32] = [2, 4, 6]
        let allowedStatus = allowed.withUnsafeBufferPointer { p -> (gsau_status, [Int32], [Float]) in
            var q2 = gsau_query(); gsau_query_init(&q2)
            q2.allowed_items = p.baseAddress; q2.n_allowed = 3
            return recommend(model, user: user, k: 10, query: &q2)
        }
        XCTAssertEqual(Set(allowedStatus.1), Set(allowed))
    }

    func testMisuseAndBadArgumentsGiveStatusesAndMessages() throws {
        let model = try trainTinyModel()
        XCTAssertEqual(recommend(nil, user: 1, k: 5).0, GSAU_E_MISUSE)
        XCTAssertEqual(recommend(model, user: 1, k: 0).0, GSAU_E_INVALID_ARGUMENT)
        XCTAssertTrue(String(cString: gsau_last_error_message()).contains("k must be positive"))
        XCTAssertEqual(recommend(model, user: 999, k: 5).0, GSAU_E_UNKNOWN_ID)
        var index: Int32 = 0
        XCTAssertEqual(gsau_model_user_index(model, "nobody", &index), GSAU_E_UNKNOWN_ID)
        XCTAssertTrue(String(cString: gsau_last_error_message()).contains("'nobody'"))
        var q = gsau_query()
        gsau_query_init(&q)
        q.n_excluded = 3                      // but no array
        XCTAssertEqual(recommend(model, user: 1, k: 5, query: &q).0, GSAU_E_INVALID_ARGUMENT)
        q.struct_size = 4
        XCTAssertEqual(recommend(model, user: 1, k: 5, query: &q).0, GSAU_E_VERSION_MISMATCH)
        XCTAssertEqual(gsau_model_save(model, "/nonexistent-folder/x.gsau"), GSAU_E_IO)
        // A corrupt checkpoint.
        let path = NSTemporaryDirectory() + "gsau-corrupt-\(getpid()).gsau"
        defer { unlink(path) }
        XCTAssertEqual(gsau_model_save(model, path), GSAU_OK)
        truncate(path, 100)
        var loaded: OpaquePointer? = nil
        XCTAssertEqual(gsau_model_load(&loaded, path), GSAU_E_CORRUPT_FILE)
        XCTAssertNil(loaded)
        // A config value out of range is named.
        let ds = loadTinyDataset()
        var cfg = gsau_config(); gsau_config_default(&cfg); cfg.heads = 3
        var bad: OpaquePointer? = nil
        XCTAssertEqual(gsau_train(&bad, ds, &cfg, nil, nil), GSAU_E_INVALID_ARGUMENT)
        XCTAssertTrue(String(cString: gsau_last_error_message()).contains("heads"))
        XCTAssertEqual(gsau_train(&bad, model, &cfg, nil, nil), GSAU_E_MISUSE)     // a model is not a dataset
        gsau_dataset_free(ds)
        // Freed handles.
        gsau_model_free(model)
        XCTAssertEqual(recommend(model, user: 1, k: 5).0, GSAU_E_MISUSE)
        gsau_model_free(model)
    }

    /// gsau_train_resumable: 1 epoch, then resumed to 2, equals 2 epochs straight; starting over an
    /// existing state file and a NULL path are refused.
    func testResumableTrainingContinuesExactly() throws {
        let ds = loadTinyDataset()
        defer { gsau_dataset_free(ds) }
        var cfg = tinyConfig(epochs: 1)
        func embeddings(_ m: OpaquePointer?) -> [Float] {
            var out = [Float](repeating: 0, count: 21 * 8)
            XCTAssertEqual(gsau_model_item_embeddings(m, &out, Int64(out.count)), GSAU_OK)
            return out
        }
        func run(_ epochs: Int32, state: String?, resume: Int32) -> (gsau_status, OpaquePointer?) {
            cfg.epochs = epochs
            var m: OpaquePointer? = nil
            let status = state.map { gsau_train_resumable(&m, ds, &cfg, $0, resume, nil, nil) } ?? gsau_train(&m, ds, &cfg, nil, nil)
            return (status, m)
        }
        let path = try TestFiles.unusedPath(suffix: ".state")
        let (s0, straight) = run(2, state: nil, resume: 0)
        let (s1, first) = run(1, state: path, resume: 0)
        let (s2, resumed) = run(2, state: path, resume: 1)
        defer { gsau_model_free(straight); gsau_model_free(first); gsau_model_free(resumed) }
        XCTAssertEqual([s0, s1, s2], [GSAU_OK, GSAU_OK, GSAU_OK], String(cString: gsau_last_error_message()))
        XCTAssertEqual(embeddings(resumed), embeddings(straight))
        var info = gsau_model_info()
        info.struct_size = UInt32(MemoryLayout<gsau_model_info>.size)
        XCTAssertEqual(gsau_model_info_get(resumed, &info), GSAU_OK)
        XCTAssertEqual(info.epochs_run, 2)                      // the resumed run has both epochs' history
        XCTAssertEqual(gsau_model_info_get(first, &info), GSAU_OK)
        XCTAssertEqual(info.epochs_run, 1)

        let (again, none) = run(2, state: path, resume: 0)
        XCTAssertEqual(again, GSAU_E_INVALID_ARGUMENT)
        XCTAssertNil(none)
        XCTAssertTrue(String(cString: gsau_last_error_message()).contains("exists"))
        var m: OpaquePointer? = nil
        XCTAssertEqual(gsau_train_resumable(&m, ds, &cfg, nil, 1, nil, nil), GSAU_E_INVALID_ARGUMENT)
        XCTAssertEqual(gsau_train_resumable(&m, ds, &cfg, path + ".missing", 1, nil, nil), GSAU_E_IO)
    }

    func testCallbackStopsTrainingAndLeavesAUsableModel() throws {
        let ds = loadTinyDataset()
        defer { gsau_dataset_free(ds) }
        var cfg = tinyConfig(epochs: 5)
        var calls: Int32 = 0
        var model: OpaquePointer? = nil
        let status = gsau_train(&model, ds, &cfg, { epoch, step, _, _, _, user in
            let counter = user!.assumingMemoryBound(to: Int32.self)
            counter.pointee += 1
            return epoch == 1 && step == -1 ? 1 : 0          // stop at the end of the second epoch
        }, &calls)
        XCTAssertEqual(status, GSAU_E_ABORTED)
        XCTAssertGreaterThan(calls, 2)
        var info = gsau_model_info(); info.struct_size = UInt32(MemoryLayout<gsau_model_info>.size)
        XCTAssertEqual(gsau_model_info_get(model, &info), GSAU_OK)
        XCTAssertEqual(info.epochs_run, 2)
        XCTAssertEqual(recommend(model, user: 1, k: 3).1.count, 3)
        gsau_model_free(model)
    }

    func testConcurrentQueriesMatchSingleThreaded() throws {
        let model = try trainTinyModel(epochs: 1)
        defer { gsau_model_free(model) }
        let expected = (1...24).map { recommend(model, user: Int32($0), k: 5).1 }
        let results = UnsafeMutableBufferPointer<[Int32]>.allocate(capacity: 8 * 24)
        results.initialize(repeating: [])
        defer { results.deinitialize(); results.deallocate() }
        let shared = UnsafeSendable((model, results))
        DispatchQueue.concurrentPerform(iterations: 8) { t in
            let (model, results) = shared.pointer
            for u in 1...24 {
                var items = [Int32](repeating: 0, count: 5), scores = [Float](repeating: 0, count: 5), count: Int32 = 0
                _ = gsau_model_recommend(model, Int32(u), 5, nil, &items, &scores, &count)
                results[t * 24 + u - 1] = items
            }
        }
        for t in 0..<8 { for u in 0..<24 { XCTAssertEqual(results[t * 24 + u], expected[u]) } }
    }
}

extension ModelCAPITests {
    /// score(u, i) = user vector · item vector, for both scoring rules.
    func testUserVectorsDotItemEmbeddingsGiveTheScores() throws {
        for variant in ["gsau-rec", "directau"] {
            let model = try trainTinyModel(variant: variant)
            defer { gsau_model_free(model) }
            var info = gsau_model_info(); info.struct_size = UInt32(MemoryLayout<gsau_model_info>.size)
            XCTAssertEqual(gsau_model_info_get(model, &info), GSAU_OK)
            let d = Int(info.embedding_size), rows = Int(info.n_items) + 1
            var table = [Float](repeating: 0, count: rows * d)
            XCTAssertEqual(gsau_model_item_embeddings(model, &table, Int64(table.count)), GSAU_OK)
            XCTAssertEqual(gsau_model_item_embeddings(model, &table, 3), GSAU_E_INVALID_ARGUMENT)
            var users: [Int32] = [4]
            var vector = [Float](repeating: 0, count: d)
            XCTAssertEqual(gsau_model_user_vectors(model, &users, 1, &vector), GSAU_OK)
            let (status, items, scores) = recommend(model, user: 4, k: 3)
            XCTAssertEqual(status, GSAU_OK)
            for (i, s) in zip(items, scores) {
                let dot = (0..<d).reduce(Float(0)) { $0 + vector[$1] * table[Int(i) * d + $1] }
                XCTAssertEqual(dot, s, accuracy: 1e-4 * max(1, abs(s)), variant)
            }
            users = [999]
            XCTAssertEqual(gsau_model_user_vectors(model, &users, 1, &vector), GSAU_E_UNKNOWN_ID)
        }
    }
}

extension ModelCAPITests {
    func testDatasetsFromIntegerAndStringArraysAgree() {
        let users: [Int64] = [10, 10, 10, 20, 20, 20, 20], items: [Int64] = [5, 6, 7, 7, 5, 8, 6]
        var a: OpaquePointer? = nil, b: OpaquePointer? = nil
        XCTAssertEqual(gsau_dataset_from_int64_arrays(&a, users, items, nil, 7, nil), GSAU_OK)
        let userStrings = users.map { strdup(String($0)) }, itemStrings = items.map { strdup(String($0)) }
        defer { (userStrings + itemStrings).forEach { free($0) } }
        let us = userStrings.map { UnsafePointer<CChar>($0) }, its = itemStrings.map { UnsafePointer<CChar>($0) }
        XCTAssertEqual(gsau_dataset_from_arrays(&b, us, its, nil, 7, nil), GSAU_OK)
        var sa = gsau_dataset_stats(), sb = gsau_dataset_stats()
        sa.struct_size = UInt32(MemoryLayout<gsau_dataset_stats>.size); sb.struct_size = sa.struct_size
        XCTAssertEqual(gsau_dataset_stats_get(a, &sa), GSAU_OK)
        XCTAssertEqual(gsau_dataset_stats_get(b, &sb), GSAU_OK)
        XCTAssertEqual(sa.n_users, 2); XCTAssertEqual(sa.n_items, 4); XCTAssertEqual(sa.n_interactions, sb.n_interactions)
        XCTAssertEqual(gsau_dataset_from_int64_arrays(&a, nil, items, nil, 7, nil), GSAU_E_INVALID_ARGUMENT)
        XCTAssertEqual(gsau_dataset_from_int64_arrays(&a, users, items, nil, 0, nil), GSAU_E_INVALID_ARGUMENT)
        gsau_dataset_free(a); gsau_dataset_free(b)
    }

    func testTrainFromAWarmStart() throws {
        let saved = try trainTinyModel(variant: "sasrec", epochs: 1)
        defer { gsau_model_free(saved) }
        let ds = loadTinyDataset()
        defer { gsau_dataset_free(ds) }
        var cfg = tinyConfig(epochs: 1)
        var model: OpaquePointer? = nil
        let status = "sasrec".withCString { name -> gsau_status in
            cfg.variant = name
            return gsau_train_from(&model, ds, &cfg, saved, nil, nil)
        }
        XCTAssertEqual(status, GSAU_OK, String(cString: gsau_last_error_message()))
        gsau_model_free(model)
        XCTAssertEqual(gsau_train_from(&model, ds, &cfg, nil, nil, nil), GSAU_E_MISUSE)
        cfg.embedding_size = 16; cfg.inner_size = 16
        let refused = "sasrec".withCString { name -> gsau_status in
            cfg.variant = name
            return gsau_train_from(&model, ds, &cfg, saved, nil, nil)
        }
        XCTAssertEqual(refused, GSAU_E_INVALID_ARGUMENT)
        XCTAssertTrue(String(cString: gsau_last_error_message()).contains("item_embedding"))
    }

    /// An unknown index anywhere in the list fails the call before any row is written.
    func testUserVectorsLeaveTheOutputUntouchedOnAnUnknownUser() throws {
        let model = try trainTinyModel()
        defer { gsau_model_free(model) }
        var out = [Float](repeating: 42, count: 3 * 8)
        let users: [Int32] = [1, 2, 999]
        XCTAssertEqual(gsau_model_user_vectors(model, users, 3, &out), GSAU_E_UNKNOWN_ID)
        XCTAssertTrue(out.allSatisfy { $0 == 42 }, "rows written before the unknown user was found")
        XCTAssertEqual(gsau_model_user_vectors(model, users, 2, &out), GSAU_OK)
        XCTAssertFalse(out.prefix(16).allSatisfy { $0 == 42 })
    }
}
