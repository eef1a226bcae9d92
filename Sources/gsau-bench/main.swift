import GSAU
import Glibc

// gsau-bench: benchmarks whose results are committed under bench/results/ (usage below).
// Every command reads only its own options; anything else (an unknown command or option, a value
// that is not a number) is refused before any work starts, and --help prints the usage.

/// The commands: each one's synopsis (its options; a value written N, S or K is a whole number,
/// checked before any work), and what it measures. The usage and the accepted options both come
/// from this table.
let commands: [(name: String, synopsis: String, summary: String)] = [
    ("load", "[--runs N] [--out DIR]", "load + split of data/beauty.txt and data/beauty.inter"),
    ("eval", "[--runs N] [--out DIR]", "full-ranking evaluation of all Beauty users (popularity scores)"),
    ("kernels", "[--runs N] [--out DIR] [--allow-unspecialized]", "per-kernel timings at Beauty step shapes (KernelBench.swift)"),
    ("epoch", "[--epochs N] [--out DIR]", "N training epochs of gsau-rec on data/beauty.txt (EpochBench.swift)"),
    ("query", "[--queries N] [--out DIR]", "top-10 latency p50/p99 and batch throughput (QueryBench.swift)"),
    ("score", "[--runs N] [--out DIR]", "top-100 of every Beauty user to a JSON Lines file (ScoreBench.swift)"),
    ("synth", "--scale S [--seed N] --out FILE", "Beauty-shaped synthetic data at S× (SyntheticBeauty.swift)"),
    ("scale-point", "[--file FILE] [--label L] [--steps N] [--warmup N] [--queries N] [--batch-users N] [--threads N] [--variant V] [--sampled-negatives K] [--out FILE.json]",
     "one row of bench/scale or bench/sampled-softmax (ScaleBench.swift)"),
    ("all", "[--runs N] [--out DIR]", "load, then eval"),
]

/// A synopsis's options: those followed by a value (and whether it is a whole number), and flags.
func parseSynopsis(_ synopsis: String) -> (options: [String: Bool], flags: Set<String>) {
    let words = synopsis.split(separator: " ").map { String($0.filter { $0 != "[" && $0 != "]" }) }
    var options: [String: Bool] = [:], flags: Set<String> = []
    for (k, word) in words.enumerated() where word.hasPrefix("--") {
        if k + 1 < words.count, !words[k + 1].hasPrefix("--") { options[word] = ["N", "S", "K"].contains(words[k + 1]) }
        else { flags.insert(word) }
    }
    return (options, flags)
}

/// "  name synopsis", the synopsis wrapped before an option group that would pass column 100.
func synopsisLines(_ name: String, _ synopsis: String) -> String {
    var groups: [String] = []
    for word in synopsis.split(separator: " ") {
        if word.hasPrefix("[") || word.hasPrefix("--") || groups.isEmpty { groups.append(String(word)) }
        else { groups[groups.count - 1] += " " + word }
    }
    let indent = String(repeating: " ", count: name.count + 3)
    var lines = ["  \(name)"]
    for group in groups {
        if lines[lines.count - 1].count + 1 + group.count > 100 { lines.append(indent + group) }
        else { lines[lines.count - 1] += " " + group }
    }
    return lines.joined(separator: "\n")
}

let usage = "usage: gsau-bench COMMAND [OPTIONS]     (every command also takes --data DIR, default data)\n"
    + commands.map { c in
        let head = synopsisLines(c.name, c.synopsis)
        let column = 37
        return head.count < column ? head + String(repeating: " ", count: column - head.count) + c.summary + "\n"
                                   : head + "\n" + String(repeating: " ", count: column) + c.summary + "\n"
    }.joined()

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
guard let entry = commands.first(where: { $0.name == command }) else { refuse("unknown command '\(command)'") }
let accepted = parseSynopsis(entry.synopsis)
var given: [String: String] = [:]
var index = 1
while index < args.count {
    let name = args[index]
    if accepted.flags.contains(name) {
        given[name] = ""
        index += 1
    } else if accepted.options[name] != nil || name == "--data" {
        guard index + 1 < args.count else { refuse("\(name) needs a value") }
        let value = args[index + 1]
        if accepted.options[name] == true && UInt64(value) == nil {
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
