import GSAU
import Glibc

// gsau-bench: benchmarks whose results are committed under bench/results/ (usage below).
// Every command reads only its own options; anything else (an unknown command or option, a value
// that is not a number) is refused before any work starts, and --help prints the usage.

let usage = """
usage: gsau-bench COMMAND [OPTIONS]     (every command also takes --data DIR, default data)
  load [--runs N] [--out DIR]        load + split of data/beauty.txt and data/beauty.inter
  eval [--runs N] [--out DIR]        full-ranking evaluation of all Beauty users (popularity scores)
  kernels [--runs N] [--out DIR] [--allow-unspecialized]
                                     per-kernel timings at Beauty step shapes (KernelBench.swift)
  epoch [--epochs N] [--out DIR]     N training epochs of gsau-rec on data/beauty.txt (EpochBench.swift)
  query [--queries N] [--out DIR]    top-10 latency p50/p99 and batch throughput (QueryBench.swift)
  score [--runs N] [--out DIR]       top-100 of every Beauty user to a JSON Lines file (ScoreBench.swift)
  synth --scale S [--seed N] --out FILE
                                     Beauty-shaped synthetic data at S× (SyntheticBeauty.swift)
  scale-point [--file FILE] [--label L] [--steps N] [--warmup N] [--queries N] [--batch-users N]
              [--threads N] [--variant V] [--sampled-negatives K] [--out FILE.json]
                                     one row of bench/scale or bench/sampled-softmax (ScaleBench.swift)
  all [--runs N] [--out DIR]         load, then eval
"""

/// The options each command accepts (each takes a value), and its flags (no value).
let commandOptions: [String: (options: Set<String>, flags: Set<String>)] = [
    "load": (["--runs", "--out"], []),
    "eval": (["--runs", "--out"], []),
    "all": (["--runs", "--out"], []),
    "kernels": (["--runs", "--out"], ["--allow-unspecialized"]),
    "epoch": (["--epochs", "--out"], []),
    "query": (["--queries", "--out"], []),
    "score": (["--runs", "--out"], []),
    "synth": (["--scale", "--seed", "--out"], []),
    "scale-point": (["--file", "--label", "--steps", "--warmup", "--queries", "--batch-users", "--threads",
                     "--variant", "--sampled-negatives", "--out"], []),
]

/// Options whose value is a whole number (checked with the others, before any work).
let wholeNumberOptions: Set<String> = ["--runs", "--epochs", "--queries", "--scale", "--seed", "--steps", "--warmup",
                                       "--batch-users", "--threads", "--sampled-negatives"]

func refuse(_ message: String) -> Never {
    fputs("gsau-bench: \(message)\n\(usage)", stderr)
    exit(2)
}

var args = Array(CommandLine.arguments.dropFirst())
if args.contains(where: { $0 == "--help" || $0 == "-h" || $0 == "help" }) {
    print(usage, terminator: "")
    exit(0)
}
let command = args.first ?? "all"
guard let accepted = commandOptions[command] else { refuse("unknown command '\(command)'") }
var given: [String: String] = [:]
var index = 1
while index < args.count {
    let name = args[index]
    if accepted.flags.contains(name) {
        given[name] = ""
        index += 1
    } else if accepted.options.contains(name) || name == "--data" {
        guard index + 1 < args.count else { refuse("\(name) needs a value") }
        let value = args[index + 1]
        if wholeNumberOptions.contains(name) && UInt64(value) == nil {
            refuse("\(name) needs a whole number, got '\(value)'")
        }
        given[name] = value
        index += 2
    } else {
        refuse("'\(name)' is not an option of \(command)")
    }
}
func option(_ name: String, _ fallback: String) -> String { given[name] ?? fallback }
func number<T: FixedWidthInteger>(_ name: String, _ fallback: T) -> T {
    guard let text = given[name] else { return fallback }
    guard let value = T(text) else { refuse("\(name) needs a whole number, got '\(text)'") }
    return value
}
let runs: Int = number("--runs", 7)
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
    if command == "kernels" { try kernelBenchmarks(runs: given["--runs"] != nil ? runs : 20, outDir: outDir, dataDir: dataDir, allowUnspecialized: given["--allow-unspecialized"] != nil) }
    if command == "epoch" { try epochBenchmark(epochs: number("--epochs", 5), outDir: outDir, dataDir: dataDir) }
    if command == "score" { try scoreBenchmark(outDir: outDir, dataDir: dataDir, runs: given["--runs"] != nil ? runs : 5) }
    if command == "synth" { try synthCommand(scale: number("--scale", 1), seed: number("--seed", UInt64(1)), out: option("--out", "synthetic.txt"), dataDir: dataDir) }
    if command == "scale-point" {
        try scalePointBenchmark(file: option("--file", "\(dataDir)/beauty.txt"), label: option("--label", "beauty"),
                                steps: number("--steps", 20), warmup: number("--warmup", 3),
                                queries: number("--queries", 300), batchUsers: number("--batch-users", 4096),
                                threads: number("--threads", 1),
                                variant: option("--variant", "gsau-rec"), sampledNegatives: number("--sampled-negatives", 0),
                                out: option("--out", "scale-point.json"))
    }
    if command == "query" { try queryBenchmark(outDir: outDir, dataDir: dataDir, queries: number("--queries", 5000)) }
} catch {
    print("error: \(error)")
    exit(1)
}
