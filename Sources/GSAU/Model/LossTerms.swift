/// The loss terms a training step reports (docs/MODEL.md §4), unweighted. The raw values are the
/// names of the parity fixtures and of the JSON result; the order is the training-state file's.
public enum LossTerm: String, CaseIterable, Sendable {
    case graphAlign = "graph_align"
    case graphUniformUser = "graph_unif_user"
    case graphUniformItem = "graph_unif_item"
    /// LightGCN: the BPR loss and the weighted EmbLoss.
    case graphBPR = "graph_bpr"
    case graphRegularization = "graph_reg"
    case sequentialCrossEntropy = "seq_ce"
    case sequentialAlign = "seq_align"
    case sequentialUniformSequence = "seq_unif_seq"
    case sequentialUniformItem = "seq_unif_item"
    case sequentialUniformSequenceVsItem = "seq_unif_seq_vs_deranged_item"

    /// The group a one-line epoch summary adds this term to (GA, BPR, GU, CE, SA, SU); nil when
    /// the summary leaves it out.
    public var summaryGroup: String? {
        switch self {
        case .graphAlign: "GA"
        case .graphBPR: "BPR"
        case .graphUniformUser, .graphUniformItem: "GU"
        case .graphRegularization: nil
        case .sequentialCrossEntropy: "CE"
        case .sequentialAlign: "SA"
        case .sequentialUniformSequence, .sequentialUniformItem, .sequentialUniformSequenceVsItem: "SU"
        }
    }
}

/// One step's (or an epoch's mean) loss terms: each `LossTerm` present or absent, and the total
/// L = L_GA + γ·L_GU + L_SA + γ·L_SU that was back-propagated (docs/MODEL.md §4.7).
public struct LossTerms: Sendable, Equatable {
    private var values = [Double?](repeating: nil, count: LossTerm.allCases.count)
    public var total: Double = 0

    public init() {}

    public subscript(term: LossTerm) -> Double? {
        get { values[Self.index(term)] }
        set { values[Self.index(term)] = newValue }
    }

    private static func index(_ term: LossTerm) -> Int { LossTerm.allCases.firstIndex(of: term) ?? 0 }

    /// The terms present, in `LossTerm` order.
    public var present: [(term: LossTerm, value: Double)] {
        LossTerm.allCases.compactMap { term in self[term].map { (term, $0) } }
    }

    /// Adds `other` term by term (a term absent from `other` keeps its value).
    mutating func add(_ other: LossTerms) {
        for term in LossTerm.allCases {
            if let b = other[term] { self[term] = (self[term] ?? 0) + b }
        }
        total += other.total
    }

    /// Every term and the total multiplied by `s`.
    func scaled(by s: Double) -> LossTerms {
        var t = self
        for term in LossTerm.allCases { t[term] = self[term].map { $0 * s } }
        t.total = total * s
        return t
    }

    /// True when the sequence representations have collapsed: unif(Ŝ) = log mean exp(−2‖ŝ_a − ŝ_b‖²)
    /// is above −0.1, i.e. the normalised sequence vectors of a batch lie almost in one point
    /// (mean squared distance ≲ 0.05, against ≈ 2 for spread vectors, where the term is about −4).
    /// Happens when γ is too small for alignment + uniformity training (docs/RESULTS.md, "γ");
    /// the model then ranks close to at random. False for variants without that term.
    public var sequenceRepresentationsCollapsed: Bool {
        guard let uniformity = self[.sequentialUniformSequence] else { return false }
        return uniformity > -0.1
    }
}
