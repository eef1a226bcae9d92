/// The rows of the paper's tables, each a configuration of the one engine (docs/MODEL.md §5.1).
public enum Variant: String, Sendable, CaseIterable {
    /// GSAU(rec): graph + SASRec, CE of the normalised sequence vector, u–i uniformity, γ = 0.1.
    case gsauRec = "gsau-rec"
    /// GSAU: graph + SASRec, sequential alignment, u–i uniformity, γ = 0.1.
    case gsau
    /// SASRec(u): sequential encoder only, alignment + uniformity (3 subsets), γ = 0.05.
    case sasrecU = "sasrec-u"
    /// DirectAU: graph encoder only, graph prediction, history masked at evaluation, γ = 0.5.
    case directau
    /// GraphAU: DirectAU with per-layer alignment, γ = 0.5.
    case graphau
    /// Ablation "w/o u-i uniform": GSAU(rec) without the sequence–deranged-target uniformity term.
    case gsauRecNoUI = "gsau-rec-no-ui"
    /// Ablation "w/o graph": GSAU(rec) without the graph side, i.e. cross-entropy of the normalised
    /// sequence vector + γ·uniformity (3 subsets), γ = 0.1. The paper prints the same numbers for
    /// this row and for SASRec(u); the original's SASRec(u) command (`sasrec-u`) trains alignment instead.
    case gsauRecNoGraph = "gsau-rec-no-graph"
    /// Stock SASRec: cross-entropy of the raw output h, no uniformity, N(0, 0.02) initialisation.
    case sasrec
    /// Stock LightGCN: BPR with one sampled negative per pair + 1e-5 · EmbLoss, Xavier-uniform
    /// initialisation, graph scoring with history masked.
    case lightgcn
    /// Stock BERT4Rec: bidirectional encoder trained by cloze masking, cross-entropy of the raw
    /// output at the masked positions plus a per-item output bias, N(0, 0.02) initialisation.
    case bert4rec
    /// BERT4Rec(u): the BERT4Rec encoder alone, alignment + uniformity (3 subsets) on the masked
    /// positions, γ = 0.05.
    case bert4recU = "bert4rec-u"
    /// Ablation "replace sequential": GSAU(rec) with the BERT4Rec encoder instead of SASRec.
    case gsauRecBERT4Rec = "gsau-rec-bert4rec"
    /// BERT4Rec(u) read as `gsau-rec-no-graph` reads SASRec(u): the BERT4Rec encoder alone,
    /// cross-entropy of the normalised output + γ·uniformity (3 subsets), γ = 0.1.
    case gsauRecBERT4RecNoGraph = "gsau-rec-bert4rec-no-graph"
}

/// Which transformer reads the item sequences.
public enum SequentialEncoderKind: String, Sendable, CaseIterable {
    /// Causal (left-to-right) SASRec; the output is read at the last item.
    case sasrec
    /// Bidirectional BERT4Rec with a mask token and an output head (Linear → GELU → LayerNorm),
    /// trained by cloze masking; the output is read at a mask token appended after the history.
    case bert4rec
}

/// How parameters are initialised.
public enum Initialization: String, Sendable, CaseIterable {
    /// GSAU's `xavier_normal_initialization` over every embedding and linear weight (docs/MODEL.md §3.2).
    case xavierNormal = "xavier-normal"
    /// Stock RecBole SASRec's `_init_weights`: weights ~ N(0, 0.02).
    case normal002 = "normal-0.02"
    /// Stock RecBole LightGCN's `xavier_uniform_initialization`: U(−a, a), a = √(6 / (fan_in + fan_out)).
    case xavierUniform = "xavier-uniform"
}

/// What the graph side is trained with.
public enum GraphObjective: String, Sendable {
    /// L_GA + γ·L_GU (GSAU, DirectAU, GraphAU).
    case alignmentUniformity = "alignment-uniformity"
    /// BPR on (user, positive, sampled negative) + 1e-5 · EmbLoss of the batch's ego rows (LightGCN).
    case bpr
}

/// What the sequential side is trained with.
public enum SequentialLoss: String, Sendable, CaseIterable {
    /// align(ŝ, t̂): GSAU, SASRec(u).
    case alignment
    /// Cross-entropy of normalize(h) · E_itemᵀ against the target: GSAU(rec) and its ablations.
    case normalizedCrossEntropy = "normalized-cross-entropy"
    /// Cross-entropy of h · E_itemᵀ (h unnormalised): stock SASRec.
    case crossEntropy = "cross-entropy"
}

/// Every hyperparameter of the model and its training, with the defaults of docs/MODEL.md §5; the
/// per-variant defaults are set by `init(variant:)`. `ConfigSchema` describes each field (name,
/// type, range, command-line option) once for every reader and writer.
public struct ModelConfig: Sendable, Equatable {
    public var variant: Variant
    // Which parts are on (set by the variant; may be overridden before `validate`).
    public var useGraph: Bool
    public var useSequential: Bool
    public var sequentialLoss: SequentialLoss
    /// Adds γ·(unif(Ŝ) + unif(T̂)) to the sequential loss (off only for stock SASRec).
    public var sequentialUniformity = true
    /// Adds unif(Ŝ, T̂[π]) to the sequential uniformity (π a derangement of the batch).
    public var userItemUniformity: Bool
    /// Score with the LightGCN layer-mean embeddings (graph variants) instead of SASRec.
    public var predictWithGraph: Bool
    /// GraphAU: per-layer alignment against the ego embeddings, uniformity on layer 0.
    public var alignPerLayer: Bool
    /// Weight γ of every uniformity term.
    public var gamma: Double
    public var initialization = Initialization.xavierNormal
    public var sequentialEncoder = SequentialEncoderKind.sasrec
    /// BERT4Rec cloze masking: each item of a training input is masked with this probability
    /// (RecBole `mask_ratio`); at most `Int(maskRatio · maxSequenceLength)` masks per input enter the loss.
    public var maskRatio = 0.2
    /// BERT4Rec: probability that a training batch masks only each input's last item instead
    /// (RecBole `ft_ratio`).
    public var finetuneRatio = 0.5

    // Architecture.
    public var embeddingSize = 64
    public var transformerLayers = 2
    /// LightGCN propagation depth; the original ties it to `transformerLayers` (both 2).
    public var graphLayers = 2
    public var heads = 2
    public var innerSize = 256
    public var hiddenDropout = 0.5
    public var attentionDropout = 0.5
    public var layerNormEps = 1e-12
    public var maxSequenceLength = 50

    // Optimisation.
    public var batchSize = 512
    public var learningRate = 1e-3
    public var beta1 = 0.9
    public var beta2 = 0.999
    public var adamEpsilon = 1e-8
    public var weightDecay = 0.0
    public var seed: UInt64 = 2020

    // Scoring.
    /// Opt-in score fusion of sequence-scored models that also train the graph encoder
    /// (docs/MODEL.md §7.5): score(u, i) = v_u · e_i + w · cos(ḡ_u, ḡ_i), ḡ the LightGCN layer
    /// means. 0 (every variant's default) scores with the sequence encoder alone, as the paper.
    public var graphScoreWeight = 0.0

    // Training objective.
    /// Opt-in sampled softmax (docs/MODEL.md §4.8): the cross-entropy losses rank each target
    /// against K items drawn by training frequency, shared by the batch, with the log-frequency
    /// correction, instead of against every item. 0 (every variant's default) is the full softmax.
    public var sampledNegatives = 0
    /// Opt-in logit scale s of the normalised cross-entropy (docs/MODEL.md §4.9): logits s·ŝ·E_Iᵀ,
    /// a softmax inverse temperature. 1 (every variant's default) is the paper's loss.
    public var logitScale = 1.0

    // Optimisation, opt-in (after the fields above: checkpoints store the fields in this order).
    /// Opt-in learning-rate decay on a plateau (docs/MODEL.md §6.6): when early stopping's
    /// patience runs out and fewer than `learningRateDecays` decays have happened, the learning
    /// rate is multiplied by `learningRateDecay` and training goes on instead of stopping.
    /// 0 decays (every variant's default) is the paper's schedule: a constant rate.
    public var learningRateDecays = 0
    public var learningRateDecay = 0.1

    public init(variant: Variant = .gsauRec) {
        self.variant = variant
        switch variant {
        case .gsauRec, .gsauRecNoUI, .gsauRecNoGraph:
            useGraph = variant != .gsauRecNoGraph; useSequential = true; sequentialLoss = .normalizedCrossEntropy
            userItemUniformity = variant != .gsauRecNoUI; predictWithGraph = false; alignPerLayer = false; gamma = 0.1
        case .gsau:
            useGraph = true; useSequential = true; sequentialLoss = .alignment
            userItemUniformity = true; predictWithGraph = false; alignPerLayer = false; gamma = 0.1
        case .sasrecU:
            useGraph = false; useSequential = true; sequentialLoss = .alignment
            userItemUniformity = true; predictWithGraph = false; alignPerLayer = false; gamma = 0.05
        case .sasrec:
            useGraph = false; useSequential = true; sequentialLoss = .crossEntropy
            userItemUniformity = false; predictWithGraph = false; alignPerLayer = false; gamma = 0
            sequentialUniformity = false; initialization = .normal002
        case .lightgcn:
            useGraph = true; useSequential = false; sequentialLoss = .alignment
            userItemUniformity = false; predictWithGraph = true; alignPerLayer = false; gamma = 0
            sequentialUniformity = false; initialization = .xavierUniform
        case .directau, .graphau:
            useGraph = true; useSequential = false; sequentialLoss = .alignment
            userItemUniformity = false; predictWithGraph = true; alignPerLayer = variant == .graphau; gamma = 0.5
        case .bert4rec:
            useGraph = false; useSequential = true; sequentialLoss = .crossEntropy
            userItemUniformity = false; predictWithGraph = false; alignPerLayer = false; gamma = 0
            sequentialUniformity = false; initialization = .normal002
        case .bert4recU:
            useGraph = false; useSequential = true; sequentialLoss = .alignment
            userItemUniformity = true; predictWithGraph = false; alignPerLayer = false; gamma = 0.05
        case .gsauRecBERT4Rec, .gsauRecBERT4RecNoGraph:
            useGraph = variant == .gsauRecBERT4Rec; useSequential = true; sequentialLoss = .normalizedCrossEntropy
            userItemUniformity = true; predictWithGraph = false; alignPerLayer = false; gamma = 0.1
        }
        if [.bert4rec, .bert4recU, .gsauRecBERT4Rec, .gsauRecBERT4RecNoGraph].contains(variant) {
            // BERT4Rec.yaml: dropout 0.2 in both places (docs/MODEL.md §3.6).
            sequentialEncoder = .bert4rec; hiddenDropout = 0.2; attentionDropout = 0.2
        }
    }

    /// Stock BERT4Rec adds a learned per-item bias to its scores; GSAU's BERT4Rec encoder does not.
    public var usesOutputBias: Bool { variant == .bert4rec }

    /// BERT4Rec: the most masked positions of one training input that enter the loss (RecBole
    /// `mask_item_length`, 10 for the spec).
    public var maxMaskedPositions: Int { Int(maskRatio * Double(maxSequenceLength)) }

    /// The graph side's loss: BPR for stock LightGCN, alignment and uniformity otherwise.
    public var graphObjective: GraphObjective { variant == .lightgcn ? .bpr : .alignmentUniformity }

    /// EmbLoss weight of the BPR objective (RecBole LightGCN's `reg_weight`).
    public static let bprRegularization = 1e-5

    /// Throws `invalidArgument` naming the first value outside its range (`ConfigSchema`) or the
    /// first combination of fields the engine cannot train.
    public func validate() throws {
        for field in ConfigSchema.fields {
            var copy = self
            try copy.set(field, field.value(in: self))
        }
        func check(_ ok: Bool, _ message: @autoclosure () -> String) throws {
            if !ok { throw GSAUError.invalidArgument(message()) }
        }
        try check(useGraph || useSequential, "at least one encoder (graph or sequential) must be enabled")
        try check(!predictWithGraph || useGraph, "predicting with the graph encoder needs the graph encoder")
        try check(predictWithGraph || useSequential, "a graph-only model must predict with the graph encoder")
        try check(!alignPerLayer || useGraph, "per-layer alignment needs the graph encoder")
        try check(graphScoreWeight == 0 || (useGraph && useSequential && !predictWithGraph),
                  "graph_score_weight adds the graph encoder's score to the sequence encoder's: it needs both encoders and sequence scoring (variant \(variant.rawValue) has \(useGraph ? "" : "no graph encoder")\(useSequential ? "" : "no sequence encoder")\(predictWithGraph ? "graph scoring" : ""))")
        try check(sampledNegatives == 0 || (useSequential && sequentialLoss != .alignment),
                  "sampled_negatives replaces the full softmax of a cross-entropy sequential loss; variant \(variant.rawValue) has \(useSequential ? "the alignment loss" : "no sequence encoder")")
        try check(logitScale == 1 || (useSequential && sequentialLoss == .normalizedCrossEntropy),
                  "logit_scale scales the logits of the normalised cross-entropy; variant \(variant.rawValue) has \(useSequential ? "the \(sequentialLoss.rawValue) loss" : "no sequence encoder")")
        try check(!userItemUniformity || sequentialUniformity, "u-i uniformity is part of the sequential uniformity, which is off")
        try check(embeddingSize % heads == 0,
                  "embedding size \(embeddingSize) must be a positive multiple of the number of heads \(heads)")
        try check(sequentialEncoder == .sasrec || !useSequential || maxMaskedPositions >= 1,
                  "BERT4Rec needs mask ratio × max sequence length >= 1 (got \(maskRatio) × \(maxSequenceLength))")
        try check(!usesOutputBias || sequentialEncoder == .bert4rec, "the output bias belongs to stock BERT4Rec")
    }
}
