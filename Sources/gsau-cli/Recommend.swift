import ArgumentParser
import GSAU

struct Recommend: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the top-N items for a user (raw ids).")

    @OptionGroup var data: DataOptions

    @Option(help: "Model: popularity (training-frequency baseline).")
    var model: String = "popularity"

    @Option(help: "Raw user id.")
    var user: String

    @Option(name: .short, help: "Number of items.")
    var n: Int = 10

    @Flag(help: "Exclude items the user has already interacted with.")
    var filterSeen = false

    @OptionGroup var memory: MemoryOptions

    func run() throws {
        try memory.apply()
        let (ds, _) = try data.load()
        guard n > 0 else { throw ValidationError("-n must be positive") }
        guard model == "popularity" else { throw ValidationError("unknown model '\(model)'; available: popularity") }
        guard let u = ds.users.id(of: user) else { throw GSAUError.unknownID("user '\(user)' is not in \(ds.path)") }
        let scorer = PopularityModel(dataset: ds)
        let seen = Set(ds.items(ofUser: u))
        let top = scorer.itemScores.withUnsafeBufferPointer { scores in
            topK(scores: scores, k: n, excluded: { filterSeen && seen.contains($0) })
        }
        print("top \(n) for user \(user) (\(model)\(filterSeen ? ", seen items excluded" : "")):")
        for (rank, r) in top.enumerated() {
            print("\(rank + 1)".padding(4) + (ds.items.token(of: r.id) ?? "?").padding(12) + formatted(Double(r.score), 4))
        }
    }
}
