import GSAU
import Glibc
import Dispatch

// gsau-bench query: top-10 query latency (sequence encode + score all items + selection) for single
// users (p50, p99 over many users, one thread) and batch throughput for all Beauty users (one thread
// and all cores), on a gsau-rec model with Beauty's shapes, each for users whose vectors the engine
// has not computed yet (a user's first query, a fresh engine's batch: "cold") and for cached ones
// (the engine keeps each known user's vector once the single-user path has computed it; see
// UserVectorCache; a batch call encodes uncached users itself and keeps nothing). `latency_p50_ms`/`_p99_ms` are
// first queries; `batch_users_per_second_*` without `_cold` are cached. Timing does not depend on
// the weights, so the model is the initialised one (one training step). The cached batch also
// records the process's CPU seconds per batch (`batch_cpu_seconds`, all threads): on a machine
// whose cores other processes share, users per CPU second says what the work costs, which wall
// time alone does not. Writes query-beauty-gsau-rec.json.

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

    // Single-user latency, one query at a time: first each sampled user's first query on this
    // engine (its vector is computed then; repeats in the sample are cached), then the same
    // sample again (every vector cached).
    var ids = [Int32](repeating: 0, count: 10), scores = [Float](repeating: 0, count: 10)
    let warmup = try QueryEngine(model: model)   // a separate engine, so the measured one starts empty
    for u in sample.prefix(200) { _ = try warmup.recommend(userIndex: u, count: 10, filter: .none, ids: &ids, scores: &scores) }
    func latencies() throws -> (p50: Double, p99: Double) {
        var times: [Double] = []
        times.reserveCapacity(sample.count)
        let clock = ContinuousClock()
        for u in sample {
            let start = clock.now
            _ = try engine.recommend(userIndex: u, count: 10, filter: .none, ids: &ids, scores: &scores)
            times.append((clock.now - start).secondsValue)
        }
        times.sort()
        return (times[times.count / 2], times[Int(Double(times.count) * 0.99)])
    }
    let first = try latencies(), cached = try latencies()

    // Batch throughput over every user: one thread (a loop over single queries) and all cores (the
    // batch call). "cold": on a fresh engine (every vector computed by the call); otherwise on an
    // engine whose vectors are cached (`userVectors()` computes and caches them by the single-user
    // path; median of 3 batch calls, then one loop).
    var batchIds = [Int32](repeating: 0, count: users.count * 10), batchScores = [Float](repeating: 0, count: users.count * 10)
    var counts = [Int32](repeating: 0, count: users.count)
    func batch(_ engine: QueryEngine) throws {
        try users.withUnsafeBufferPointer { ub in
            try engine.recommend(userIndices: ub, count: 10, filter: .none, ids: &batchIds, scores: &batchScores, counts: &counts)
        }
    }
    let fresh = try (0..<3).map { _ in try QueryEngine(model: model) }
    let parallelCold = median(try fresh.map { engine in try timeRuns(1) { try batch(engine) }[0] })
    let singleCold = try timeRuns(1) {
        let engine = try QueryEngine(model: model)
        for u in users { _ = try engine.recommend(userIndex: u, count: 10, filter: .none, ids: &ids, scores: &scores) }
    }[0]
    _ = engine.userVectors()                                        // caches every user's vector
    try batch(engine)                                               // warm-up
    let cpuBefore = processCPUSeconds()
    let parallel = median(try timeRuns(3) { try batch(engine) })
    let cpuPerBatch = (processCPUSeconds() - cpuBefore) / 3
    let single = try timeRuns(1) {
        for u in users { _ = try engine.recommend(userIndex: u, count: 10, filter: .none, ids: &ids, scores: &scores) }
    }[0]
    print("top-10 single-user latency over \(sample.count) queries: first query per user p50 \(fixed(first.p50 * 1e3, 3)) ms, "
          + "p99 \(fixed(first.p99 * 1e3, 3)) ms; cached vector p50 \(fixed(cached.p50 * 1e3, 3)) ms, p99 \(fixed(cached.p99 * 1e3, 3)) ms")
    print("batch, all \(users.count) users: cold \(fixed(Double(users.count) / singleCold, 0)) users/s on one thread, "
          + "\(fixed(Double(users.count) / parallelCold, 0)) users/s on all cores; cached \(fixed(Double(users.count) / single, 0)) "
          + "users/s on one thread, \(fixed(Double(users.count) / parallel, 0)) users/s on all cores "
          + "(\(fixed(cpuPerBatch, 3)) CPU s per batch: \(fixed(Double(users.count) / cpuPerBatch, 0)) users per CPU second)")

    var json = JSONObject()
    json.set("benchmark", "gsau-rec top-10 queries at Beauty shapes (22,363 users, 12,102 items, d 64, sequences up to 50)")
    json.set("queries", sample.count)
    json.set("latency_p50_ms", first.p50 * 1e3)
    json.set("latency_p99_ms", first.p99 * 1e3)
    json.set("latency_p50_ms_cached", cached.p50 * 1e3)
    json.set("latency_p99_ms_cached", cached.p99 * 1e3)
    json.set("batch_users_per_second_single_thread_cold", Double(users.count) / singleCold)
    json.set("batch_users_per_second_all_cores_cold", Double(users.count) / parallelCold)
    json.set("batch_users_per_second_single_thread", Double(users.count) / single)
    json.set("batch_users_per_second_all_cores", Double(users.count) / parallel)
    json.set("batch_cpu_seconds", cpuPerBatch)
    json.set("batch_users_per_cpu_second", Double(users.count) / cpuPerBatch)
    machineFields(&json)
    writeResult(json, to: "\(outDir)/query-beauty-gsau-rec.json")
}

/// User plus system CPU time of the whole process so far (every thread), in seconds.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

extension Duration {
    var secondsValue: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
