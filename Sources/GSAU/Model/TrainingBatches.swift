/// A graph batch: (user, item) training pairs.
struct GraphBatch {
    var users: [Int32] = []
    var items: [Int32] = []
    /// One sampled negative item per pair (BPR only).
    var negatives: [Int32] = []
    var count: Int { users.count }
}

/// A sequential batch: prefix inputs and their next items (SASRec), or, after cloze masking
/// (BERT4Rec), masked inputs with the tokens to read and the original items there as targets.
struct SequenceBatch {
    var inputs = PackedSequences()
    var targets: [Int32] = []
    /// BERT4Rec: global token index of each target's masked position; empty for SASRec, which
    /// reads each sequence's last token.
    var readTokens: [Int32] = []
    /// The sampled softmax's K negatives, shared by every row (docs/MODEL.md §4.8); empty for the
    /// full softmax.
    var negatives: [Int32] = []
    /// Rows of the sequential loss: sequences (SASRec) or kept masked positions (BERT4Rec).
    var count: Int { targets.count }
}
