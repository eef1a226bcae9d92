import ArgumentParser
import GSAU

struct Query: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load a saved model (train --save) and answer queries: top-N for a user or an item sequence, similar items, or the evaluation on its own data.")

    @Argument(help: "A model checkpoint written by `gsau-cli train --save`.")
    var checkpoint: String

    @Option(help: "Raw user id: top-N from the user's whole history.")
    var user: String?

    @Option(help: "Comma-separated raw item ids, oldest first: top-N for this sequence (an anonymous user).")
    var sequence: String?

    @Option(help: "Raw item id: the N most similar items.")
    var similarTo: String?

    @Flag(help: "Evaluate the model on its own data (validation and test splits).")
    var evaluate = false

    @Option(name: .short, help: "Number of items.")
    var n: Int = 10

    @Flag(help: "Exclude the user's (or the sequence's) items.")
    var filterSeen = false

    func validate() throws {
        guard user != nil || sequence != nil || similarTo != nil || evaluate else {
            throw ValidationError("give --user, --sequence, --similar-to or --evaluate")
        }
        guard n > 0 else { throw ValidationError("-n must be positive") }
    }

    @OptionGroup var memory: MemoryOptions

    func run() throws {
        try memory.apply()
        let model = try GSAUModel.load(from: checkpoint)
        print("model \(checkpoint): \(model.config.variant.rawValue), \(model.dataset.userCount) users, \(model.dataset.itemCount) items")
        if let user {
            show(try model.recommend(user: user, count: n, filterSeen: filterSeen), title: "top \(n) for user \(user)")
        }
        if let sequence {
            let items = sequence.split(separator: ",").map { String($0.trimmingCharacters(in: " ")) }
            show(try model.recommend(sequence: items, count: n, filterSeen: filterSeen), title: "top \(n) after \(items.joined(separator: " "))")
        }
        if let item = similarTo {
            show(try model.similarItems(to: item, count: n), title: "\(n) items most similar to \(item)", filtered: false)
        }
        if evaluate {
            for split in EvaluationSplit.allCases {
                printMetrics(try model.evaluate(split: split, ks: [5, 10, 20, 50]), title: split.rawValue, seconds: 0)
            }
        }
    }

    private func show(_ results: [(item: String, score: Float)], title: String, filtered: Bool = true) {
        print("\(title)\(filterSeen && filtered ? " (seen items excluded)" : ""):")
        for (rank, r) in results.enumerated() { print("  \(rank + 1)".padding(6) + r.item.padding(12) + formatted(Double(r.score), 4)) }
    }
}
