import ArgumentParser
import GSAU

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Full-ranking evaluation (Recall, MRR, NDCG, Precision at several K) on the validation and test splits.")

    @OptionGroup var data: DataOptions

    @Option(help: "Model to evaluate: popularity (training-frequency baseline).")
    var model: String = "popularity"

    @Option(help: "Exclude seen items: none (sequential protocol) or history (graph protocol).")
    var masking: String = "none"

    @Option(help: "Comma-separated cut-offs.")
    var k: String = "1,5,10,20,50"

    @OptionGroup var memory: MemoryOptions

    func run() throws {
        try memory.apply()
        warnAboutBLAS()
        let (ds, _) = try data.load()
        guard let mask = HistoryMasking(rawValue: masking) else {
            throw ValidationError("unknown masking '\(masking)'; use none or history")
        }
        let ks = try parseKs(k)
        guard model == "popularity" else { throw ValidationError("unknown model '\(model)'; available: popularity") }
        let scorer = PopularityModel(dataset: ds)
        let evaluator = Evaluator(dataset: ds)
        for split in EvaluationSplit.allCases {
            let clock = ContinuousClock()
            let start = clock.now
            let m = try evaluator.evaluate(scorer, split: split, masking: mask, ks: ks)
            printMetrics(m, title: "\(model) \(split.rawValue)", seconds: (clock.now - start).seconds)
        }
    }
}

func parseKs(_ text: String) throws -> [Int] {
    let ks = text.split(separator: ",").map { Int($0.trimmingCharacters(in: " ")) }
    guard !ks.isEmpty, ks.allSatisfy({ ($0 ?? 0) > 0 }) else {
        throw ValidationError("--k must be a comma-separated list of positive integers, got '\(text)'")
    }
    return ks.map { $0! }
}

extension Substring {
    func trimmingCharacters(in set: String) -> Substring {
        var s = self
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return s
    }
}

func printMetrics(_ m: RankingMetrics, title: String, seconds: Double) {
    print(seconds > 0 ? "\(title) (\(m.userCount) users, \(formatted(seconds, 3)) s)" : "\(title) (\(m.userCount) users)")
    var header = "          "
    for k in m.ks { header += "  @\(k)".padding(9) }
    print(header)
    for (name, values) in [("recall", m.recall), ("mrr", m.mrr), ("ndcg", m.ndcg), ("precision", m.precision)] {
        var line = name.padding(10)
        for v in values { line += "  " + formatted(RankingMetrics.rounded(v), 4).padding(7) }
        print(line)
    }
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
