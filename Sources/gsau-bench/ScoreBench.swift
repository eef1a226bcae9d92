import GSAU
import Glibc

// gsau-bench score: batch scoring to a file (gsau-cli score) — the top-100 of every Beauty user
// written as JSON Lines to a file in a temporary folder (atomic: temporary file, fsync, rename),
// median of N runs, on a gsau-rec model with Beauty's shapes (the initialised model after one
// training step, as the query benchmark: timing does not depend on the weights). Also times the
// scoring alone (the same blocks, nothing formatted or written), so the difference is the cost of
// formatting and writing. The timed runs use an engine that has cached every user's vector
// (`userVectors()` computed them by the single-user path before the warm-up run; a batch keeps
// none); `cold_seconds` is one run on a fresh engine, as in one `gsau-cli score` process. Writes
// score-beauty-gsau-rec.json.

func scoreBenchmark(outDir: String, dataDir: String, runs: Int) throws {
    let dataset = try Dataset.load(path: "\(dataDir)/beauty.txt")
    var options = TrainingOptions()
    options.epochs = 1
    let trainer = try Trainer(config: ModelConfig(variant: .gsauRec), dataset: dataset, options: options)
    let (model, _) = try trainer.train(progress: { _ in false })   // stop after the first step
    let engine = try QueryEngine(model: model)

    // A temporary folder under the output folder (relative by default: bench/results).
    var template = Array("\(outDir)/.score-bench.XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw GSAUError.io(path: outDir, message: "mkdtemp failed") }
    let folder = String(cString: made), path = "\(folder)/scores.jsonl"
    defer { unlink(path); rmdir(folder) }
    let topK = 100, users = dataset.userCount

    // Warm-up (page cache, workspaces, and the engine's cache of every user's vector): the timed
    // runs are what a long-lived engine does; `cold_seconds` below is one `gsau-cli score` process.
    _ = engine.userVectors()
    try engine.writeScores(to: .file(path), count: topK)
    let times = try timeRuns(runs) { try engine.writeScores(to: .file(path), count: topK) }
    var info = stat()
    let bytes = stat(path, &info) == 0 ? Int(info.st_size) : -1
    let all = engine.allUserIndices
    let scoringTimes = try timeRuns(runs) {
        try all.withUnsafeBufferPointer { try engine.scoreInBlocks(userIndices: $0, count: topK, filter: .none) { _ in } }
    }
    let fresh = try QueryEngine(model: model)                  // every user's vector still to compute
    let cold = try timeRuns(1) { try fresh.writeScores(to: .file(path), count: topK) }[0]
    let seconds = median(times), scoring = median(scoringTimes)
    print("score all \(users) users, top-\(topK), JSON Lines (\(fixed(Double(bytes) / 1_048_576, 1)) MiB): median \(fixed(seconds, 3)) s over \(runs) runs (\(times.map { fixed($0, 3) }.joined(separator: ", "))) -> \(fixed(Double(users) / seconds, 0)) users/s")
    print("  of which scoring (cached vectors, gemm, top-K; nothing written): \(fixed(scoring, 3)) s; formatting + writing: \(fixed(seconds - scoring, 3)) s")
    print("  a fresh engine (every vector encoded, as one gsau-cli score process): \(fixed(cold, 3)) s")

    var json = JSONObject()
    json.set("benchmark", "QueryEngine.writeScores as gsau-cli score calls it (checkpoint load not timed): top-100 of every Beauty user to a JSON Lines file (gsau-rec, 22,363 users, 12,102 items, d 64)")
    json.set("users", users)
    json.set("top_k", topK)
    json.set("runs", runs)
    json.set("seconds_median", seconds)
    json.set("seconds", times)
    json.set("users_per_second", Double(users) / seconds)
    json.set("scoring_only_seconds_median", scoring)
    json.set("cold_seconds", cold)
    json.set("file_bytes", bytes)
    machineFields(&json)
    writeResult(json, to: "\(outDir)/score-beauty-gsau-rec.json")
}
