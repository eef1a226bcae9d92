import GSAU
import Glibc
import Dispatch

// gsau-bench query: top-10 query latency (sequence encode + score all items + selection) for single
// users (p50, p99 over many users, one thread) and batch throughput for all Beauty users (one thread
// and all cores), on a gsau-rec model with Beauty's shapes. Timing does not depend on the weights,
// so the model is the initialised one (one training step). Writes query-beauty-gsau-rec.json.

func queryBenchmark(outDir: String, dataDir: String, queries: Int) throws {
    let dataset = try Dataset.load(path: "\(dataDir)/beauty.txt")
    var options = TrainingOptions()
    options.epochs = 1
    let trainer = try Trainer(config: ModelConfig(variant: .gsauRec), dataset: dataset, options: options)
    let (model, _) = try trainer.train { _ in false }        // stop after the first step
    let engine = try QueryEngine(model: model)
    let users = (1...Int32(dataset.userCount)).map { $0 }
    var rng = SystemRandomNumberGenerator()
    let sample = (0..<queries).map { _ in users.randomElement(using: &rng)! }

    // Single-user latency, one query at a time.
    var ids = [Int32](repeating: 0, count: 10), scores = [Float](repeating: 0, count: 10)
    for u in sample.prefix(200) { _ = try engine.recommend(userIndex: u, count: 10, filter: .none, ids: &ids, scores: &scores) }  // warm-up
    var latencies: [Double] = []
    latencies.reserveCapacity(sample.count)
    let clock = ContinuousClock()
    for u in sample {
        let start = clock.now
        _ = try engine.recommend(userIndex: u, count: 10, filter: .none, ids: &ids, scores: &scores)
        latencies.append((clock.now - start).secondsValue)
    }
    latencies.sort()
    let p50 = latencies[latencies.count / 2], p99 = latencies[Int(Double(latencies.count) * 0.99)]

    // Batch throughput over every user: one thread (a loop) and all cores (the batch call).
    var batchIds = [Int32](repeating: 0, count: users.count * 10), batchScores = [Float](repeating: 0, count: users.count * 10)
    var counts = [Int32](repeating: 0, count: users.count)
    let single = try timeRuns(1) {
        for u in users { _ = try engine.recommend(userIndex: u, count: 10, filter: .none, ids: &ids, scores: &scores) }
    }[0]
    let parallel = median(try timeRuns(3) {
        try users.withUnsafeBufferPointer { ub in
            try engine.recommend(userIndices: ub, count: 10, filter: .none, ids: &batchIds, scores: &batchScores, counts: &counts)
        }
    })
    print("top-10 single-user latency over \(sample.count) queries: p50 \(fixed(p50 * 1e3, 3)) ms, p99 \(fixed(p99 * 1e3, 3)) ms")
    print("batch, all \(users.count) users: \(fixed(Double(users.count) / single, 0)) users/s on one thread, \(fixed(Double(users.count) / parallel, 0)) users/s on all cores")

    var json = JSONObject()
    json.set("benchmark", "gsau-rec top-10 queries at Beauty shapes (22,363 users, 12,102 items, d 64, sequences up to 50)")
    json.set("queries", sample.count)
    json.set("latency_p50_ms", p50 * 1e3)
    json.set("latency_p99_ms", p99 * 1e3)
    json.set("batch_users_per_second_single_thread", Double(users.count) / single)
    json.set("batch_users_per_second_all_cores", Double(users.count) / parallel)
    machineFields(&json)
    writeResult(json, to: "\(outDir)/query-beauty-gsau-rec.json")
}

extension Duration {
    var secondsValue: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
