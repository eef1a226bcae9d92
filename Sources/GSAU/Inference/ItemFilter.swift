/// Which items a query may return, in dense item ids (the index-level form the C API passes).
///
/// Candidates are, in this order: every item (or only `allowed` when given), minus the seen items
/// when `excludeSeen`, minus `excluded`. The padding id 0 is never a candidate. Ids must be real
/// item ids (1..<itemCount); `QueryEngine` validates them before use.
package struct ItemFilter: Sendable, Equatable {
    /// Exclude the items the query's history contains (a known user's items, or the sequence's).
    package var excludeSeen: Bool
    /// When non-nil, only these items are candidates (duplicates are harmless; empty = nothing).
    package var allowed: [Int32]?
    /// Items never returned.
    package var excluded: [Int32]

    package init(excludeSeen: Bool = false, allowed: [Int32]? = nil, excluded: [Int32] = []) {
        self.excludeSeen = excludeSeen
        self.allowed = allowed
        self.excluded = excluded
    }

    /// No filter: every real item is a candidate.
    package static let none = ItemFilter()

    /// True when the filter removes nothing but padding (no mask needed).
    var isTrivial: Bool { !excludeSeen && allowed == nil && excluded.isEmpty }

    /// Writes the exclusion mask of this filter for a query whose history is `seen`:
    /// mask[i] == true ⇔ item i is not a candidate. `mask` has `itemCount` entries (padding included).
    func fill<S: Sequence>(mask: UnsafeMutableBufferPointer<Bool>, seen: S) where S.Element == Int32 {
        if let allowed {
            mask.update(repeating: true)
            for i in allowed { mask[Int(i)] = false }
        } else {
            mask.update(repeating: false)
        }
        if excludeSeen { for i in seen { mask[Int(i)] = true } }
        for i in excluded { mask[Int(i)] = true }
        if !mask.isEmpty { mask[0] = true }
    }
}
