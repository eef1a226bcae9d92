/// A trained model as a value: its configuration, the dataset it was trained on (id maps and
/// histories), the parameter layout and the flat parameter buffer. Nothing else: scoring builds a
/// `Scorer` from it (docs/MODEL.md §7.1), queries a `QueryEngine`, evaluation an `Evaluator`;
/// training a `Trainer`, which owns the training network and its workspaces.
public struct GSAUModel: Sendable {
    public let config: ModelConfig
    public let dataset: Dataset
    public let layout: ParameterLayout
    /// The flat parameter buffer (see `layout` for the named tensors).
    public var parameters: [Float]

    public init(config: ModelConfig, dataset: Dataset, layout: ParameterLayout, parameters: [Float]) {
        self.config = config
        self.dataset = dataset
        self.layout = layout
        self.parameters = parameters
    }

    /// Number of item columns of a score row (items including padding id 0).
    public var itemCount: Int { layout.itemCount }
}

extension GSAUModel {
    /// The same model scoring with score-fusion weight `weight` (docs/MODEL.md §7.5; 0 = the
    /// sequence encoder alone). Parameters, data and training are untouched. Throws
    /// `invalidArgument` when the model cannot fuse (it lacks an encoder or scores with the graph)
    /// or the weight is negative or not finite.
    public func withGraphScoreWeight(_ weight: Double) throws -> GSAUModel {
        var changed = config
        guard let field = ConfigSchema.field(named: "graph_score_weight") else {
            throw GSAUError.invalidArgument("the configuration schema lacks graph_score_weight")
        }
        try changed.set(field, .float(weight))   // the schema's range check
        try changed.validate()
        return GSAUModel(config: changed, dataset: dataset, layout: layout, parameters: parameters)
    }
}
