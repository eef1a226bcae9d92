import GSAU
import Glibc

// gsau-bench: benchmarks whose results are committed under bench/results/.
//   gsau-bench load [--runs N] [--out DIR]   load + split of data/beauty.txt and data/beauty.inter
//   gsau-bench eval [--runs N] [--out DIR]   full-ranking evaluation of all Beauty users (popularity scores)
//   gsau-bench kernels [--runs N] [--out DIR]   per-kernel timings at Beauty step shapes (see KernelBench.swift)
//   gsau-bench epoch [--epochs N] [--out DIR]   N training epochs of gsau-rec on data/beauty.txt (see EpochBench.swift)
//   gsau-bench query [--queries N] [--out DIR]   top-10 latency p50/p99 and batch throughput (see QueryBench.swift)
//   gsau-bench score [--runs N] [--out DIR]   top-100 of every Beauty user to a JSON Lines file (see ScoreBench.swift)
//   gsau-bench synth --scale S [--seed N] --out FILE   Beauty-shaped synthetic data at S× (see SyntheticBeauty.swift)
//   gsau-bench scale-point --file FILE --label L --out FILE.json   one row of bench/scale or bench/sampled-softmax
//                                                                  (see ScaleBench.swift)

var args = Array(CommandLine.arguments.dropFirst())
func option(_ name: String, _ fallback: String) -> String {
    if let i = args.firstIndex(of: name), i + 1 < args.count { return args[i + 1] }
    return fallback
}
let command = args.first ?? "all"
let runs = Int(option("--runs", "7")) ?? 7
let outDir = option("--out", "bench/results")
let dataDir = option("--data", "data")
print("gsau-bench \(command): \(machineSummary())")

do {
    if command == "load" || command == "all" {
        for file in ["beauty.txt", "beauty.inter"] {
            let path = "\(dataDir)/\(file)"
            var dataset: Dataset? = nil
            let times = try timeRuns(runs) { dataset = try Dataset.load(path: path, options: DatasetOptions(minUserInteractions: 5, minItemInteractions: 5)) }
            var json = JSONObject()
            json.set("benchmark", "load \(file): read, 5-core filter, id maps, time order, leave-one-out split")
            json.set("file", path)
            json.set("runs", runs)
            json.set("seconds_median", median(times))
            json.set("seconds_min", times.min()!)
            json.set("seconds", times)
            json.set("users", dataset!.userCount)
            json.set("items", dataset!.itemCount)
            json.set("interactions", dataset!.interactionCount)
            machineFields(&json)
            writeResult(json, to: "\(outDir)/load-\(file.replacingOccurrences(".", "-")).json")
        }
    }
    if command == "eval" || command == "all" {
        let dataset = try Dataset.load(path: "\(dataDir)/beauty.txt")
        let scorer = PopularityModel(dataset: dataset)
        let evaluator = Evaluator(dataset: dataset)
        var metrics: RankingMetrics? = nil
        let times = try timeRuns(runs) { metrics = try evaluator.evaluate(scorer, split: .test, masking: .none, ks: [5, 10, 20, 50]) }
        var json = JSONObject()
        json.set("benchmark", "full-ranking evaluation of every Beauty user over all items (popularity scores; score copy + rank + metrics)")
        json.set("users", metrics!.userCount)
        json.set("items", dataset.itemCount)
        json.set("runs", runs)
        json.set("seconds_median", median(times))
        json.set("seconds_min", times.min()!)
        json.set("users_per_second_median", Double(metrics!.userCount) / median(times))
        var test = JSONObject()
        for (name, value) in metrics!.named { test.set(name, RankingMetrics.rounded(value)) }
        json.set("test", object: test)
        machineFields(&json)
        writeResult(json, to: "\(outDir)/eval-beauty-popularity.json")
    }
    if command == "kernels" { try kernelBenchmarks(runs: args.contains("--runs") ? runs : 20, outDir: outDir, dataDir: dataDir, allowUnspecialized: args.contains("--allow-unspecialized")) }
    if command == "epoch" { try epochBenchmark(epochs: Int(option("--epochs", "5")) ?? 5, outDir: outDir, dataDir: dataDir) }
    if command == "score" { try scoreBenchmark(outDir: outDir, dataDir: dataDir, runs: args.contains("--runs") ? runs : 5) }
    if command == "synth" { try synthCommand(scale: Int(option("--scale", "1")) ?? 0, seed: UInt64(option("--seed", "1")) ?? 1, out: option("--out", "synthetic.txt"), dataDir: dataDir) }
    if command == "scale-point" {
        try scalePointBenchmark(file: option("--file", "\(dataDir)/beauty.txt"), label: option("--label", "beauty"),
                                steps: Int(option("--steps", "20")) ?? 20, warmup: Int(option("--warmup", "3")) ?? 3,
                                queries: Int(option("--queries", "300")) ?? 300, batchUsers: Int(option("--batch-users", "4096")) ?? 4096,
                                threads: Int(option("--threads", "1")) ?? 1,
                                variant: option("--variant", "gsau-rec"), sampledNegatives: Int(option("--sampled-negatives", "0")) ?? 0,
                                out: option("--out", "scale-point.json"))
    }
    if command == "query" { try queryBenchmark(outDir: outDir, dataDir: dataDir, queries: Int(option("--queries", "5000")) ?? 5000) }
} catch {
    print("error: \(error)")
    exit(1)
}
