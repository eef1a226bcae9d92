/// One value of a configuration field, as files, the JSON result, the C struct and the command
/// line carry it.
public enum ConfigValue: Sendable, Equatable, CustomStringConvertible {
    case bool(Bool), int(Int), uint(UInt64), float(Double), string(String)

    public var description: String {
        switch self {
        case .bool(let b): "\(b)"
        case .int(let i): "\(i)"
        case .uint(let u): "\(u)"
        case .float(let x): "\(x)"
        case .string(let s): s
        }
    }
}

/// One `ModelConfig` field, declared once (the table is `ConfigSchema.fields`): its name (the
/// checkpoint's, the training-state file's, the JSON result's and the C struct member's), its type,
/// its allowed range, its command-line spelling and its help text. Its default is the variant's
/// (`ModelConfig(variant:)`, docs/MODEL.md §5.1). Validation, checkpoint and state encoding, the
/// JSON result, the C struct mapping and the CLI all read this table.
public struct ConfigField: Sendable {
    public enum Kind: UInt8, Sendable {
        case bool = 1, int = 2, uint = 3, float = 4, string = 5
        public var name: String {
            switch self { case .bool: "bool"; case .int: "int"; case .uint: "uint"; case .float: "f64"; case .string: "str" }
        }
    }

    /// snake_case name.
    public let name: String
    public let kind: Kind
    /// One line of help (CLI, docs).
    public let help: String
    /// Command-line options that set this field (`--name value`); empty for the fields the variant
    /// decides (which encoders, losses, initialisation). One option may set several fields.
    public let options: [String]
    /// The allowed values, in words (for help and docs).
    public let range: String
    /// The checkpoint format version that added the field.
    public let sinceFormatVersion: UInt32
    /// Another field whose value this one takes when it is not given (LightGCN depth = transformer
    /// depth, as in the original).
    public let defaultsTo: String?
    /// Reads the field.
    let get: @Sendable (ModelConfig) -> ConfigValue
    /// Writes the field; returns what is wrong with a value that no configuration may hold.
    let set: @Sendable (inout ModelConfig, ConfigValue) -> String?

    /// The value of this field in `config`.
    public func value(in config: ModelConfig) -> ConfigValue { get(config) }

    /// Whether the variants' defaults differ for this field (hosts then leave it to the variant).
    public var dependsOnVariant: Bool {
        let values = Variant.allCases.map { get(ModelConfig(variant: $0)) }
        return values.contains { $0 != values[0] }
    }

    /// Parses command-line text into a value of this field's type (nil when it does not parse).
    public func parse(_ text: String) -> ConfigValue? {
        switch kind {
        case .bool: return Bool(text).map(ConfigValue.bool)
        case .int: return Int(text).map(ConfigValue.int)
        case .uint: return UInt64(text).map(ConfigValue.uint)
        case .float: return Double(text).map(ConfigValue.float)
        case .string: return .string(text)
        }
    }
}

extension ConfigField {
    static func bool(_ name: String, _ key: WritableKeyPath<ModelConfig, Bool> & Sendable, _ help: String) -> ConfigField {
        ConfigField(name: name, kind: .bool, help: help, options: [], range: "true or false", sinceFormatVersion: 1,
                    defaultsTo: nil, get: { .bool($0[keyPath: key]) }, set: { c, v in
            guard case .bool(let b) = v else { return "expected a bool" }
            c[keyPath: key] = b; return nil
        })
    }

    /// An integer in `bounds` (every size has an upper bound: sizes that no tensor bounds, e.g. a
    /// graph-only model's unused max_sequence_length, still size query workspaces).
    static func int(_ name: String, _ key: WritableKeyPath<ModelConfig, Int> & Sendable, _ bounds: ClosedRange<Int>,
                    options: [String], since: UInt32 = 1, defaultsTo: String? = nil, _ help: String) -> ConfigField {
        ConfigField(name: name, kind: .int, help: help, options: options, range: "\(bounds.lowerBound)…\(bounds.upperBound)",
                    sinceFormatVersion: since, defaultsTo: defaultsTo, get: { .int($0[keyPath: key]) }, set: { c, v in
            guard case .int(let i) = v else { return "expected an integer" }
            guard bounds.contains(i) else {
                return "\(i) is outside \(bounds.lowerBound)…\(bounds.upperBound)"
                    + (i > bounds.upperBound ? " (exceeds the limit of \(bounds.upperBound))" : "")
            }
            c[keyPath: key] = i; return nil
        })
    }

    static func uint(_ name: String, _ key: WritableKeyPath<ModelConfig, UInt64> & Sendable, options: [String],
                     _ help: String) -> ConfigField {
        ConfigField(name: name, kind: .uint, help: help, options: options, range: "0…2^64−1", sinceFormatVersion: 1,
                    defaultsTo: nil, get: { .uint($0[keyPath: key]) }, set: { c, v in
            guard case .uint(let u) = v else { return "expected an unsigned integer" }
            c[keyPath: key] = u; return nil
        })
    }

    /// A finite number accepted by `accepts`, described by `range`.
    static func float(_ name: String, _ key: WritableKeyPath<ModelConfig, Double> & Sendable, _ range: String,
                      _ accepts: @escaping @Sendable (Double) -> Bool, options: [String], since: UInt32 = 1,
                      _ help: String) -> ConfigField {
        ConfigField(name: name, kind: .float, help: help, options: options, range: range, sinceFormatVersion: since,
                    defaultsTo: nil, get: { .float($0[keyPath: key]) }, set: { c, v in
            guard case .float(let x) = v else { return "expected a number" }
            guard x.isFinite else { return "\(x) is not finite" }
            guard accepts(x) else { return "\(x) is outside \(range)" }
            c[keyPath: key] = x; return nil
        })
    }

    static func enumeration<E: RawRepresentable & CaseIterable & Sendable>(
        _ name: String, _ key: WritableKeyPath<ModelConfig, E> & Sendable, options: [String] = [], since: UInt32 = 1,
        _ help: String) -> ConfigField where E.RawValue == String {
        let known = E.allCases.map(\.rawValue)
        return ConfigField(name: name, kind: .string, help: help, options: options, range: known.joined(separator: ", "),
                           sinceFormatVersion: since, defaultsTo: nil, get: { .string($0[keyPath: key].rawValue) }, set: { c, v in
            guard case .string(let s) = v else { return "expected a string" }
            guard let e = E(rawValue: s) else { return "unknown value '\(s)' (known: \(known.joined(separator: ", ")))" }
            c[keyPath: key] = e; return nil
        })
    }
}

/// The configuration schema: every `ModelConfig` field once, in the checkpoint's order.
public enum ConfigSchema {
    public static let fields: [ConfigField] = [
        .enumeration("variant", \.variant, "the paper's row this configuration starts from (docs/MODEL.md §5.1)"),
        .bool("use_graph", \.useGraph, "train the LightGCN graph side"),
        .bool("use_sequential", \.useSequential, "train the sequential side"),
        .enumeration("sequential_loss", \.sequentialLoss, "the sequential side's main term (docs/MODEL.md §4.4)"),
        .bool("sequential_uniformity", \.sequentialUniformity, "add γ·(unif(ŝ) + unif(t̂)) to the sequential loss"),
        .bool("user_item_uniformity", \.userItemUniformity, "add γ·unif(ŝ, t̂[π]) (docs/MODEL.md §4.5)"),
        .bool("predict_with_graph", \.predictWithGraph, "score with the LightGCN layer means instead of the sequence encoder"),
        .bool("align_per_layer", \.alignPerLayer, "GraphAU's per-layer alignment (docs/MODEL.md §4.3)"),
        .float("gamma", \.gamma, "≥ 0", { $0 >= 0 }, options: ["gamma"], "uniformity weight γ (default: the variant's)"),
        .enumeration("initialization", \.initialization, "how parameters are drawn (docs/MODEL.md §3.2)"),
        .enumeration("sequential_encoder", \.sequentialEncoder, since: 2, "SASRec or BERT4Rec"),
        .float("mask_ratio", \.maskRatio, "(0, 1]", { $0 > 0 && $0 <= 1 }, options: ["mask-ratio"], since: 2,
               "BERT4Rec: probability of masking each training item"),
        .float("finetune_ratio", \.finetuneRatio, "[0, 1]", { $0 >= 0 && $0 <= 1 }, options: ["ft-ratio"], since: 2,
               "BERT4Rec: probability that a training batch masks only the last items"),
        .int("embedding_size", \.embeddingSize, 1...(1 << 16), options: ["embedding-size"], "embedding width d"),
        .int("transformer_layers", \.transformerLayers, 1...(1 << 10), options: ["layers"], "transformer layers"),
        .int("graph_layers", \.graphLayers, 1...64, options: ["graph-layers"], defaultsTo: "transformer_layers",
             "LightGCN propagation depth (default: the transformer depth)"),
        .int("heads", \.heads, 1...(1 << 16), options: ["heads"], "attention heads"),
        .int("inner_size", \.innerSize, 1...(1 << 20), options: ["inner-size"], "feed-forward inner width"),
        .float("hidden_dropout", \.hiddenDropout, "[0, 1)", { $0 >= 0 && $0 < 1 }, options: ["dropout", "hidden-dropout"],
               "hidden dropout (default: the variant's; --dropout sets both dropouts)"),
        .float("attention_dropout", \.attentionDropout, "[0, 1)", { $0 >= 0 && $0 < 1 }, options: ["dropout", "attention-dropout"],
               "attention dropout (default: the variant's)"),
        .float("layer_norm_eps", \.layerNormEps, "> 0", { $0 > 0 }, options: ["layer-norm-eps"], "LayerNorm epsilon"),
        .int("max_sequence_length", \.maxSequenceLength, 1...(1 << 20), options: ["max-length"],
             "longest item window the sequence encoder reads"),
        .int("batch_size", \.batchSize, 2...(1 << 24), options: ["batch-size"],
             "batch size of each training stream (≥ 2: uniformity needs pairs)"),
        .float("learning_rate", \.learningRate, "> 0", { $0 > 0 }, options: ["lr"], "Adam learning rate"),
        .float("beta1", \.beta1, "[0, 1)", { $0 >= 0 && $0 < 1 }, options: ["beta1"], "Adam β1"),
        .float("beta2", \.beta2, "[0, 1)", { $0 >= 0 && $0 < 1 }, options: ["beta2"], "Adam β2"),
        .float("adam_epsilon", \.adamEpsilon, "> 0", { $0 > 0 }, options: ["adam-epsilon"], "Adam ε"),
        .float("weight_decay", \.weightDecay, "≥ 0", { $0 >= 0 }, options: ["weight-decay"],
               "Adam weight decay (L2 added to the gradient)"),
        .uint("seed", \.seed, options: ["seed"], "random seed of every stream"),
        .float("graph_score_weight", \.graphScoreWeight, "≥ 0", { $0 >= 0 }, options: ["graph-score-weight"], since: 4,
               "opt-in: add this weight × cos(graph user, graph item) to sequence scores (0 = the paper's scoring; docs/MODEL.md §7.5)"),
        .int("sampled_negatives", \.sampledNegatives, 0...(1 << 24), options: ["sampled-negatives"], since: 5,
             "opt-in sampled softmax: K items drawn by training frequency per step, shared by the batch, with the log-frequency correction (0 = full softmax; docs/MODEL.md §4.8)"),
        .float("logit_scale", \.logitScale, "> 0", { $0 > 0 }, options: ["logit-scale"], since: 6,
               "opt-in: multiply the normalised cross-entropy's logits by s, a softmax inverse temperature (1 = the paper's loss; docs/MODEL.md §4.9)"),
        .int("learning_rate_decays", \.learningRateDecays, 0...(1 << 10), options: ["lr-decays"], since: 7,
             "opt-in: when the early-stopping patience runs out, multiply the learning rate by learning_rate_decay and go on, this many times before stopping (0 = the paper's constant rate; docs/MODEL.md §6.6)"),
        .float("learning_rate_decay", \.learningRateDecay, "(0, 1)", { $0 > 0 && $0 < 1 }, options: ["lr-decay"], since: 7,
               "the factor of each plateau decay (learning_rate_decays; docs/MODEL.md §6.6)"),
    ]

    /// The field named `name`.
    public static func field(named name: String) -> ConfigField? { fields.first { $0.name == name } }

    /// The fields a checkpoint of `formatVersion` stores, in order.
    static func fields(inFormatVersion formatVersion: UInt32) -> [ConfigField] {
        fields.filter { $0.sinceFormatVersion <= formatVersion }
    }

    /// Every command-line option (without the dashes) and the fields it sets, in table order.
    public static var options: [(option: String, fields: [ConfigField])] {
        var result: [(option: String, fields: [ConfigField])] = []
        for field in fields {
            for option in field.options {
                if let k = result.firstIndex(where: { $0.option == option }) { result[k].fields.append(field) }
                else { result.append((option, [field])) }
            }
        }
        return result
    }
}

extension ModelConfig {
    /// The configuration `variant` trains with after `overrides` (field name → value): every
    /// other field keeps the variant's default (a field with `defaultsTo` follows that field);
    /// the result is validated. Throws `invalidArgument` naming the first bad field.
    public static func resolved(variant: Variant, overrides: [(name: String, value: ConfigValue)]) throws -> ModelConfig {
        var config = ModelConfig(variant: variant)
        for (name, value) in overrides {
            guard let field = ConfigSchema.field(named: name) else {
                throw GSAUError.invalidArgument("unknown configuration field '\(name)'")
            }
            try config.set(field, value)
        }
        let given = Set(overrides.map(\.name))
        for field in ConfigSchema.fields where !given.contains(field.name) {
            if let source = field.defaultsTo, let from = ConfigSchema.field(named: source) {
                try config.set(field, from.value(in: config))
            }
        }
        try config.validate()
        return config
    }

    /// Sets one field; throws `invalidArgument` ("<name>: <problem>") for a value out of its range.
    public mutating func set(_ field: ConfigField, _ value: ConfigValue) throws {
        if let problem = field.set(&self, value) { throw GSAUError.invalidArgument("\(field.name): \(problem)") }
    }
}
