import ArgumentParser
import GSAU

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a saved model's scoring tables (user and item vectors, item bias, raw ids) as a safetensors file for numpy or PyTorch (docs/CHECKPOINT.md, \"Export\").")

    @Argument(help: "A model checkpoint written by `gsau-cli train --save`.")
    var checkpoint: String

    @Argument(help: "The safetensors file to write (replaced atomically).")
    var output: String

    @OptionGroup var memory: MemoryOptions

    func run() throws {
        try memory.apply()
        let model = try GSAUModel.load(from: checkpoint)
        let clock = ContinuousClock()
        let start = clock.now
        let engine = try QueryEngine(model: model)
        try engine.exportScoringTables(to: output)
        let seconds = (clock.now - start).seconds
        let users = model.dataset.users.count, items = model.layout.itemCount, d = engine.scorer.width
        let bias = engine.itemBias() != nil
        print("model \(checkpoint): \(model.config.variant.rawValue), \(model.dataset.userCount) users, \(model.dataset.itemCount) items, scored \(engine.predictsWithGraph ? "by the graph encoder" : "by the sequential encoder")\(engine.scorer.fusesGraphScore ? " + \(model.config.graphScoreWeight) × the graph cosine" : "")")
        print("wrote \(output) (safetensors, \(ScoringExport.format)) in \(formatted(seconds, 2)) s:")
        print("  item_vectors  F32 [\(items), \(d)]   row 0 = padding")
        print("  user_vectors  F32 [\(users), \(d)]   row 0 = zeros")
        if bias { print("  item_bias     F32 [\(items)]") }
        print("  metadata      user_ids, item_ids (JSON arrays of the raw ids by row; row 0 = \"\"), format, gsau_version, variant, embedding_size, vector_width, graph_score_weight, predicts_with_graph, score")
        print("score(u, i) = user_vectors[u] . item_vectors[i]\(bias ? " + item_bias[i]" : "")")
    }
}
