/// What a training run will allocate, estimated from the configuration and the data sizes before
/// anything is allocated, so that a run the machine cannot hold is refused with
/// `GSAUError.outOfMemory` instead of taking its host process down (the allocator traps).
///
/// Counted (Float32): the parameters, their gradients, Adam's two moments and the best epoch's
/// copy; the sequential encoder's activations and gradient scratch for one batch (per token and
/// layer: q|k|v, attention probabilities over the window, context, residuals, LayerNorm outputs,
/// the feed-forward input/activation/mask and their gradients); the cross-entropy logits and
/// their gradient (batch × items; batch × (K + 1) and the K negatives' rows with the sampled
/// softmax); the LightGCN layers, mean, scratch and gradients over every node;
/// validation's scorer (its graph tables) and one block of scores. It is an estimate: small
/// buffers are left out, and the activations are counted for a batch of full-length sequences,
/// the most a batch can hold, while packed batches of short sequences touch far less (Beauty:
/// estimate 658 MiB, measured peak RSS 214 MiB, `bench/scale`), so it errs high on short histories.
package enum TrainingMemory {
    package static func estimate(config: ModelConfig, layout: ParameterLayout, dataset: Dataset) -> Int {
        var bytes = ByteCount()
        bytes.add(5, layout.count)                                      // parameters, gradients, m, v, best copy
        let d = config.embeddingSize, b = config.batchSize, window = config.maxSequenceLength
        let items = layout.itemCount, nodes = layout.userCount + layout.itemCount
        if config.useSequential {
            let perToken = 16 * d + 5 * config.innerSize + 2 * config.heads * window
            bytes.add(b, window, perToken, config.transformerLayers)      // activations and their gradients
            if config.sampledNegatives > 0 {                              // logits over the target and K negatives,
                bytes.add(b, config.sampledNegatives + 1)                 // the negatives' rows and their gradient
                bytes.add(2, config.sampledNegatives, d)
            } else {
                bytes.add(2, b, items)                                    // logits and their gradient
            }
        }
        if config.useGraph {
            let layers = config.graphLayers + 1
            bytes.add(layers + 3, nodes, d)                               // layers, mean, scratch, d(mean)
            if config.alignPerLayer { bytes.add(layers, nodes, d) }       // d(layer k)
        }
        if config.predictWithGraph { bytes.add(config.graphLayers + 2, nodes, d) }   // the scorer's tables
        bytes.add(ModelRanking.blockSize, items)                          // one block of validation scores
        bytes.add(4, dataset.interactionCount)                            // training streams
        return bytes.value
    }

    /// Throws `outOfMemory` when `need` exceeds the process's memory limit (`MemoryLimit`) or the
    /// memory available now.
    static func check(need: Int) throws {
        try MemoryLimit.check(need: need, for: "training",
                              counting: "parameters, optimizer state and one batch's activations for this configuration and data")
    }
}
