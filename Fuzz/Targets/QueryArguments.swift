// libFuzzer target: the C API's query entry points (Sources/GSAUCAPI) with fuzzed ids, counts,
// sizes and filter lists, against two small models trained once per process on the tiny run
// (Support/TinyRun.swift): GSAU(rec), scored by its sequence encoder, and DirectAU, scored by its
// graph tables. Every call must return a status; none may trap or touch memory outside the
// buffers the header says it may write.
//
// Input: byte 0 picks the model and the entry point; the rest is read as little-endian int32
// values (FuzzInts) for ids, counts and filter lists. Output buffers are allocated at the size the
// header requires for the arguments passed (k entries, n_users × k, 4 × n_ks, capacity floats),
// with k above 4096 given a 4096-entry buffer: the model has far fewer items, and the header
// promises that at most one entry per remaining candidate is written.
import GSAUCAPI
import GSAUHeader
@testable import GSAU

/// Little-endian int32 values from the fuzz input, then zeros.
struct FuzzInts {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0

    mutating func next() -> Int32 {
        var v: UInt32 = 0
        for k in 0..<4 where position + k < bytes.count { v |= UInt32(bytes[position + k]) << (8 * UInt32(k)) }
        position += 4
        return Int32(bitPattern: v)
    }

    /// A list of at most `limit` values: its length from one value, then the values.
    mutating func list(limit: Int) -> [Int32] {
        let n = Int(UInt32(bitPattern: next()) % UInt32(limit + 1))
        return (0..<n).map { _ in next() }
    }

    /// The bytes not read yet, as a NUL-terminated C string (at most 64 bytes).
    mutating func cString() -> [CChar] {
        let start = min(position, bytes.count), end = min(start + 64, bytes.count)
        position = bytes.count
        return bytes[start..<end].map { CChar(bitPattern: $0) } + [0]
    }
}

/// The two models, trained through the C API with the tiny run's data and configuration.
let queryModels: [OpaquePointer] = ["gsau-rec", "directau"].map { variant in
    var dataset: OpaquePointer? = nil
    guard gsau_dataset_load(&dataset, TinyRun.dataPath, nil) == GSAU_OK else {
        fatalError("fuzz harness: \(String(cString: gsau_last_error_message()))")
    }
    defer { gsau_dataset_free(dataset) }
    var cfg = gsau_config()
    gsau_config_default(&cfg)
    cfg.embedding_size = 8; cfg.transformer_layers = 1; cfg.heads = 1; cfg.inner_size = 16
    cfg.max_sequence_length = 10; cfg.batch_size = 8; cfg.epochs = 1; cfg.threads = 1
    var model: OpaquePointer? = nil
    let status = variant.withCString { name in
        cfg.variant = name
        return gsau_train(&model, dataset, &cfg, nil, nil)
    }
    guard status == GSAU_OK, let model else { fatalError("fuzz harness: \(String(cString: gsau_last_error_message()))") }
    return model
}

/// A gsau_query from the input: struct_size (mostly the real one), filter_seen (mostly 0 or 1),
/// and allowed / excluded lists of fuzzed item indices, each either NULL with a fuzzed count or a
/// list with its own length. `body` runs with the query, or with NULL.
func withQuery<R>(_ input: inout FuzzInts, _ body: (UnsafePointer<gsau_query>?) -> R) -> R {
    let flags = UInt32(bitPattern: input.next())
    if flags & 1 == 0 { return body(nil) }
    var q = gsau_query()
    gsau_query_init(&q)
    if flags & 2 != 0 { q.struct_size = UInt32(bitPattern: input.next()) }
    q.filter_seen = flags & 4 != 0 ? input.next() : Int32(flags >> 3 & 1)
    let allowed = input.list(limit: 64), excluded = input.list(limit: 64)
    return allowed.withUnsafeBufferPointer { a in
        excluded.withUnsafeBufferPointer { e in
            if flags & 16 != 0 { q.allowed_items = a.baseAddress; q.n_allowed = Int32(a.count) }
            else if flags & 32 != 0 { q.n_allowed = input.next() }          // NULL list, fuzzed count
            if flags & 64 != 0 { q.excluded_items = e.baseAddress; q.n_excluded = Int32(e.count) }
            else if flags & 128 != 0 { q.n_excluded = input.next() }
            return body(&q)
        }
    }
}

/// Entries to allocate for a result buffer of `k` entries (see the file comment).
func capacity(_ k: Int32) -> Int { Int(min(max(k, 1), 4096)) }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzQueryArguments(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let model = queryModels[Int(data[0] & 1)]
    var input = FuzzInts(bytes: UnsafeBufferPointer(start: data + 1, count: size - 1))
    var count: Int32 = -1
    switch (data[0] >> 1) % 10 {
    case 0:
        let user = input.next(), k = input.next()
        var items = [Int32](repeating: 0, count: capacity(k)), scores = [Float](repeating: 0, count: capacity(k))
        _ = withQuery(&input) { gsau_model_recommend(model, user, k, $0, &items, &scores, &count) }
    case 1:
        let k = input.next(), length = input.next()
        let sequence = input.list(limit: 64)
        var items = [Int32](repeating: 0, count: capacity(k)), scores = [Float](repeating: 0, count: capacity(k))
        // The length passed is the list's own, or a fuzzed one no larger (or a NULL sequence).
        let passed = length < 0 || length > Int32(sequence.count) ? Int32(sequence.count) : length
        _ = withQuery(&input) { q in
            sequence.withUnsafeBufferPointer { s in
                gsau_model_recommend_sequence(model, sequence.isEmpty ? nil : s.baseAddress, passed, k, q, &items, &scores, &count)
            }
        }
    case 2:
        let k = Int32(truncatingIfNeeded: input.next() % 40)
        let users = input.list(limit: 80)          // 64 and more users take the blocked path
        let n = max(users.count, 1) * capacity(k)
        var items = [Int32](repeating: 0, count: n), scores = [Float](repeating: 0, count: n)
        var counts = [Int32](repeating: 0, count: max(users.count, 1))
        _ = withQuery(&input) { q in
            users.withUnsafeBufferPointer { u in
                gsau_model_recommend_batch(model, u.baseAddress, Int32(users.count), k, q, &items, &scores, &counts)
            }
        }
    case 3:
        let item = input.next(), k = input.next()
        var items = [Int32](repeating: 0, count: capacity(k)), scores = [Float](repeating: 0, count: capacity(k))
        _ = gsau_model_similar_items(model, item, k, &items, &scores, &count)
    case 4:
        let users = input.list(limit: 16)
        var out = [Float](repeating: 0, count: max(users.count, 1) * 8)
        _ = users.withUnsafeBufferPointer { gsau_model_user_vectors(model, $0.baseAddress, Int32(users.count), &out) }
    case 5:
        var id: UnsafePointer<CChar>? = nil
        _ = gsau_model_item_id(model, input.next(), &id)
        _ = gsau_model_user_id(model, input.next(), &id)
    case 6:
        var index: Int32 = 0
        let text = input.cString()
        _ = gsau_model_item_index(model, text, &index)
        _ = gsau_model_user_index(model, text, &index)
    case 7:
        let split = input.next()
        let ks = input.list(limit: 8)
        var out = [Double](repeating: 0, count: 4 * max(ks.count, 1))
        _ = ks.withUnsafeBufferPointer { gsau_model_evaluate(model, split, $0.baseAddress, Int32(ks.count), &out) }
    case 8:
        var info = gsau_model_info()
        info.struct_size = UInt32(MemoryLayout<gsau_model_info>.size)
        guard gsau_model_info_get(model, &info) == GSAU_OK else { fatalError("gsau_model_info_get failed on a live model") }
        let needed = Int((info.n_items + 1) * Int64(info.embedding_size))
        let asked = Int64(input.next())
        var out = [Float](repeating: 0, count: Int(min(max(asked, 1), Int64(needed))))
        _ = gsau_model_item_embeddings(model, &out, asked)
    default:
        var cfg = gsau_config()
        cfg.struct_size = UInt32(bitPattern: input.next())
        _ = gsau_model_config_get(model, &cfg)
    }
    return 0
}
