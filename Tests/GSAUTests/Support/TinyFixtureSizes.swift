@testable import GSAU
import GSAUHeader

// The architecture every test that trains on the 24-user fixture (Fixtures/parity/tiny.txt) uses:
// small enough that a few epochs take milliseconds. Written once, for the Swift and the C config.
extension ModelConfig {
    /// d 8, feed-forward 16, window 8, batch 32.
    mutating func useTinyFixtureSizes() {
        embeddingSize = 8; innerSize = 16; maxSequenceLength = 8; batchSize = 32
    }
}

extension gsau_config {
    /// The same sizes as `ModelConfig.useTinyFixtureSizes()`.
    mutating func useTinyFixtureSizes() {
        embedding_size = 8; inner_size = 16; max_sequence_length = 8; batch_size = 32
    }
}

extension TrainingOptions {
    /// The default options with `epochs` epochs.
    static func epochs(_ epochs: Int) -> TrainingOptions {
        var o = TrainingOptions()
        o.epochs = epochs
        return o
    }
}

/// One epoch of GSAU(rec) at the tiny sizes on tiny.txt (the fixture model of the IO tests).
func trainTinyGSAURec() throws -> GSAUModel {
    var c = ModelConfig(variant: .gsauRec)
    c.useTinyFixtureSizes()
    var options = TrainingOptions()
    options.epochs = 1
    return try Trainer(config: c, dataset: try Dataset.load(path: TestFiles.fixture("tiny.txt")), options: options).train().model
}
