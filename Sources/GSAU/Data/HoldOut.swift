/// Which of each user's last interactions are held out of training (docs/MODEL.md §2.2).
public enum HoldOut: String, Sendable, CaseIterable {
    /// The paper's protocol: last item = test target, second-to-last = validation target, the
    /// rest trains. Users need at least 3 interactions.
    case leaveOneOut = "leave-one-out"
    /// Production with model selection: the last item is the validation target (early stopping
    /// reads it), everything before it trains; no test split. A user with one interaction trains
    /// on it and has no validation target.
    case last
    /// Production on everything: every interaction trains; no validation or test split (train a
    /// fixed number of epochs, e.g. the best epoch a validated run reported).
    case none

    /// Interactions of the last ones held out, for a user with enough of them.
    public var count: Int {
        switch self { case .leaveOneOut: 2; case .last: 1; case .none: 0 }
    }

    /// The fewest interactions a user needs to be kept.
    public var minimumUserLength: Int { self == .leaveOneOut ? 3 : 1 }

    /// Whether the split exists in this mode.
    public func has(_ split: EvaluationSplit) -> Bool {
        switch split {
        case .validation: self != .none
        case .test: self == .leaveOneOut
        }
    }
}
