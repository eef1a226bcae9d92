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
