import GSAU
import Glibc

// gsau-bench scale-point --file FILE --label NAME [--steps N] [--warmup N] [--queries N]
//                        [--batch-users N] [--threads N] [--variant V] [--sampled-negatives K] --out FILE.json
// One row of the growth benchmark (bench/scale runs it once per data set, each in its own process,
// so the peak RSS is that data set's; bench/sampled-softmax once per data set, variant and K): the
// variant (default gsau-rec) with its defaults and the sampled softmax's K (0 = full softmax) on FILE
// (5-core filter, as the
// loader's k-core; the rows it removes are reported and are 0 for Beauty and the synthetic sets).
//   training     warm-up steps, then N timed optimiser steps; seconds per epoch = mean step time ×
//                the epoch's step count (an extrapolation: no full epoch is run);
//   memory       the process's peak RSS (getrusage ru_maxrss) right after those steps — loading,
//                the trainer's allocations and the steps — next to the trainer's own estimate
//                (TrainingMemory.estimate, what it checks against the memory available);
//   evaluation   one full-ranking validation of every user over all items (the trainer's per-epoch
//                validation), on the model after those steps;
//   queries      top-10 latency p50/p99 over single users (QueryEngine.recommend, as gsau-bench
//                query), and batch throughput over a sample of users through the batch call
//                (its blocked path: one gemm per 256 users; top-K selection spread over the cores).
// With --queries 0 only the training part runs (evaluation and queries are skipped).
// Timings do not depend on the weights. With --threads 1 (BLAS on one core) the figures are one
// core's. Writes one JSON object (the fragment bench/scale collects).

func scalePointBenchmark(file: String, label: String, steps: Int, warmup: Int, queries: Int,
                         batchUsers: Int, threads: Int, variant: String, sampledNegatives: Int, out: String) throws {
    guard let variant = Variant(rawValue: variant) else {
        throw GSAUError.invalidArgument("unknown variant '\(variant)'; available: \(Variant.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    if threads > 0 { BLASInfo.setThreads(threads) }
    let sgemm = measureSgemm()
    print("\(label): sgemm [2048x64]x[64x12101] \(fixed(sgemm, 1)) GFLOP/s; \(BLASInfo.summary), hardware threads \(BLASInfo.hardwareThreads)")
    let clock = ContinuousClock()
    var started = clock.now
    let dataset = try Dataset.load(path: file, options: DatasetOptions(minUserInteractions: 5, minItemInteractions: 5))
    let loadSeconds = (clock.now - started).secondsValue

    var config = ModelConfig(variant: variant)
    config.seed = 2020
    config.sampledNegatives = sampledNegatives
    var options = TrainingOptions()
    options.epochs = 1
    options.threads = max(0, threads)
    let layout = ParameterLayout(config: config, userCount: dataset.users.count, itemCount: dataset.items.count)
    let estimate = TrainingMemory.estimate(config: config, layout: layout, dataset: dataset)
    let trainer = try Trainer(config: config, dataset: dataset, options: options)
    print("\(label): \(dataset.userCount) users, \(dataset.itemCount) items, \(dataset.interactionCount) interactions "
          + "(k-core removed \(dataset.report.rowsRemovedByKCore)); loaded in \(fixed(loadSeconds, 2)) s; "
          + "\(trainer.stepsPerEpoch) steps per epoch")
    fflush(stdout)

    // Training steps: the time at the end of every step; the timed ones follow the warm-up.
    var ends: [Double] = []
    let total = warmup + steps
    started = clock.now
    let (model, _) = try trainer.train { event in
        guard case .step(_, let step, _, _) = event else { return true }
        ends.append((clock.now - started).secondsValue)
        return step + 1 < total
    }
    guard ends.count == total, steps > 0 else { throw GSAUError.invalidArgument("\(label): ran \(ends.count) of \(total) steps (an epoch has \(trainer.stepsPerEpoch))") }
    let perStep = (ends[total - 1] - (warmup > 0 ? ends[warmup - 1] : 0)) / Double(steps)
    let perEpoch = perStep * Double(trainer.stepsPerEpoch)
    let peakMiB = peakResidentMiB()
    print("\(label): \(steps) steps after \(warmup) warm-up: \(fixed(perStep, 3)) s/step -> \(fixed(perEpoch, 1)) s per epoch "
          + "(\(trainer.stepsPerEpoch) steps); peak RSS \(fixed(peakMiB, 0)) MiB, estimate \(fixed(Double(estimate) / 1_048_576, 0)) MiB")
    fflush(stdout)
    var json = JSONObject()
    json.set("label", label)
    json.set("variant", variant.rawValue)
    json.set("sampled_negatives", sampledNegatives)
    json.set("users", dataset.userCount)
    json.set("items", dataset.itemCount)
    json.set("interactions", dataset.interactionCount)
    json.set("rows_removed_by_kcore", dataset.report.rowsRemovedByKCore)
    json.set("load_seconds", loadSeconds)
    json.set("steps_per_epoch", trainer.stepsPerEpoch)
    json.set("warmup_steps", warmup)
    json.set("timed_steps", steps)
    json.set("seconds_per_step", perStep)
    json.set("seconds_per_epoch", perEpoch)
    json.set("peak_rss_mib", peakMiB)
    json.set("memory_estimate_mib", Double(estimate) / 1_048_576)
    json.set("sgemm_gflops", sgemm)
    machineFields(&json)
    if queries > 0 { try measureServing(model: model, label: label, queries: queries, batchUsers: batchUsers, into: &json) }
    writeResult(json, to: out)
}

/// One full-ranking validation of every user, top-10 single-user latency and batch throughput of
/// `model`, added to `json`.
private func measureServing(model: GSAUModel, label: String, queries: Int, batchUsers: Int, into json: inout JSONObject) throws {
    let dataset = model.dataset, clock = ContinuousClock()
    // One full-ranking validation of every user.
    let scorer = try Scorer(model: model)
    var evaluated = 0
    let evalSeconds = try timeRuns(1) { evaluated = try model.evaluate(with: scorer, split: .validation).userCount }[0]
    print("\(label): validation of \(evaluated) users over \(dataset.itemCount) items: \(fixed(evalSeconds, 2)) s")
    fflush(stdout)

    // Queries: single-user latency, then batch throughput, on users drawn with a fixed seed.
    let engine = try QueryEngine(model: model)
    var rng = RandomGenerator(seed: 7)
    let sample = (0..<max(queries, 1)).map { _ in Int32(1 + rng.nextInt(below: dataset.userCount)) }
    var ids = [Int32](repeating: 0, count: 10), scores = [Float](repeating: 0, count: 10)
    for u in sample.prefix(20) { _ = try engine.recommend(userIndex: u, count: 10, filter: .none, ids: &ids, scores: &scores) }
    var latencies: [Double] = []
    for u in sample {
        let start = clock.now
        _ = try engine.recommend(userIndex: u, count: 10, filter: .none, ids: &ids, scores: &scores)
        latencies.append((clock.now - start).secondsValue)
    }
    latencies.sort()
    let p50 = latencies[latencies.count / 2], p99 = latencies[min(latencies.count - 1, Int(Double(latencies.count) * 0.99))]
    let batch = (0..<min(max(batchUsers, 1), dataset.userCount)).map { _ in Int32(1 + rng.nextInt(below: dataset.userCount)) }
    var batchIds = [Int32](repeating: 0, count: batch.count * 10), batchScores = [Float](repeating: 0, count: batch.count * 10)
    var counts = [Int32](repeating: 0, count: batch.count)
    let batchSeconds = try timeRuns(2) {
        try batch.withUnsafeBufferPointer { try engine.recommend(userIndices: $0, count: 10, filter: .none, ids: &batchIds, scores: &batchScores, counts: &counts) }
    }.min() ?? 0
    print("\(label): top-10 latency over \(sample.count) queries p50 \(fixed(p50 * 1e3, 3)) ms, p99 \(fixed(p99 * 1e3, 3)) ms; "
          + "batch of \(batch.count) users \(fixed(Double(batch.count) / batchSeconds, 0)) users/s")

    json.set("eval_users", evaluated)
    json.set("eval_seconds", evalSeconds)
    json.set("queries", sample.count)
    json.set("query_p50_ms", p50 * 1e3)
    json.set("query_p99_ms", p99 * 1e3)
    json.set("batch_users", batch.count)
    json.set("batch_users_per_second", Double(batch.count) / batchSeconds)
    json.set("peak_rss_mib_end", peakResidentMiB())
}

/// The process's peak resident set so far, MiB.
func peakResidentMiB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}
