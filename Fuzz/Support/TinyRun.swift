@testable import GSAU

/// The small run every model-building fuzz target uses: `Tests/GSAUTests/Fixtures/parity/tiny.txt`
/// (read relative to the repository root, where Fuzz/run.sh starts the targets) and a GSAU(rec)
/// configuration a few thousand parameters large. Fuzz/make-seeds.sh trains the seed checkpoint
/// and training-state file with the same data and configuration through the CLI.
enum TinyRun {
    static let dataPath = "Tests/GSAUTests/Fixtures/parity/tiny.txt"
    static let overrides: [(name: String, value: ConfigValue)] = [
        ("embedding_size", .int(8)), ("transformer_layers", .int(1)), ("heads", .int(1)),
        ("inner_size", .int(16)), ("max_sequence_length", .int(10)), ("batch_size", .int(8)),
    ]

    static func config(_ variant: Variant) -> ModelConfig {
        do { return try ModelConfig.resolved(variant: variant, overrides: overrides) }
        catch { fatalError("fuzz harness: the tiny configuration is invalid: \(error)") }
    }

    static let dataset: Dataset = {
        do { return try Dataset.load(path: dataPath) }
        catch { fatalError("fuzz harness: cannot load \(dataPath) (run from the repository root): \(error)") }
    }()

    /// Training options of the seed state file: one epoch, one product thread.
    static var options: TrainingOptions {
        var o = TrainingOptions()
        o.epochs = 1
        o.threads = 1
        return o
    }
}
