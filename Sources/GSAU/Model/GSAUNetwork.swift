/// The training network for one dataset and configuration: the encoders and the objective, all
/// reading one flat parameter buffer laid out by `layout`, with their training workspaces.
/// Scoring does not use it (see `Scorer`).
final class GSAUNetwork<T: GSAUScalar> {
    let config: ModelConfig
    let dataset: Dataset
    let layout: ParameterLayout
    let objective: GSAUObjective<T>

    init(config: ModelConfig, dataset: Dataset, layout: ParameterLayout) throws {
        try config.validate()
        self.config = config
        self.dataset = dataset
        self.layout = layout
        var graph: GraphEncoder<T>? = nil
        if config.useGraph {
            let (users, items) = dataset.trainingEdges()
            graph = try GraphEncoder(config: config, layout: layout, trainUsers: users, trainItems: items)
        }
        let sequence = config.useSequential ? SequenceEncoder<T>(config: config, layout: layout) : nil
        var sampler: ItemFrequencySampler? = nil
        if config.sampledNegatives > 0 {
            sampler = ItemFrequencySampler(counts: dataset.trainItemCounts(), draws: config.sampledNegatives)
            if sampler == nil { throw GSAUError.invalidArgument("sampled_negatives: the dataset has no training interactions to sample from") }
        }
        objective = GSAUObjective(config: config, layout: layout, graph: graph, sequence: sequence, sampler: sampler)
    }
}
