/// Partial top-K selection over a score row, without sorting the whole row.
///
/// Order: higher score first; among equal scores the lower item id first (a deterministic rule;
/// the reference's `torch.topk` leaves tie order unspecified). NaN scores never enter the result.
/// A bounded min-heap keeps the current best K: O(n log K) time, O(K) memory.
struct TopKSelector {
    private(set) var ids: [Int32] = []
    private(set) var scores: [Float] = []
    let k: Int

    init(k: Int) {
        self.k = max(0, k)
        ids.reserveCapacity(self.k)
        scores.reserveCapacity(self.k)
    }

    /// True when (s1, i1) ranks after (s2, i2).
    @inline(__always)
    private static func worse(_ s1: Float, _ i1: Int32, _ s2: Float, _ i2: Int32) -> Bool {
        s1 < s2 || (s1 == s2 && i1 > i2)
    }

    mutating func reset() { ids.removeAll(keepingCapacity: true); scores.removeAll(keepingCapacity: true) }

    /// Candidates kept so far.
    var count: Int { ids.count }

    /// The score of the worst kept candidate (the heap root; the selector must not be empty).
    var worstScore: Float { scores[0] }

    /// Offers one candidate.
    @inline(__always)
    mutating func offer(id: Int32, score: Float) {
        if k == 0 || score.isNaN { return }
        if ids.count < k {
            ids.append(id); scores.append(score)
            siftUp(ids.count - 1)
        } else if TopKSelector.worse(scores[0], ids[0], score, id) {
            replaceWorst(id: id, score: score)
        }
    }

    /// The selected candidates, best first. Leaves the selector empty.
    mutating func drain() -> [(id: Int32, score: Float)] {
        var out = zip(ids, scores).map { (id: $0, score: $1) }
        out.sort { TopKSelector.worse($1.score, $1.id, $0.score, $0.id) }
        reset()
        return out
    }

    // Min-heap on "worse": the root is the worst of the kept candidates.
    private mutating func siftUp(_ start: Int) {
        var c = start
        while c > 0 {
            let p = (c - 1) / 2
            if TopKSelector.worse(scores[c], ids[c], scores[p], ids[p]) { swapAt(c, p); c = p } else { return }
        }
    }

    /// Puts (id, score) in place of the root (the worst kept candidate): the hole left at the root
    /// moves down past every child worse than the newcomer, which then fills it (one write per
    /// level instead of a swap; buffer access without per-element checks, a hot loop of the
    /// blocked batch path).
    private mutating func replaceWorst(id: Int32, score: Float) {
        let n = ids.count
        ids.withUnsafeMutableBufferPointer { ids in
            scores.withUnsafeMutableBufferPointer { scores in
                var p = 0
                while true {
                    let l = 2 * p + 1
                    if l >= n { break }
                    let r = l + 1
                    let m = r < n && TopKSelector.worse(scores[r], ids[r], scores[l], ids[l]) ? r : l
                    if !TopKSelector.worse(scores[m], ids[m], score, id) { break }
                    ids[p] = ids[m]; scores[p] = scores[m]
                    p = m
                }
                ids[p] = id; scores[p] = score
            }
        }
    }

    private mutating func swapAt(_ a: Int, _ b: Int) { ids.swapAt(a, b); scores.swapAt(a, b) }
}

/// Top-K items of one score row, best first; `excluded(id)` items are skipped; id 0 (padding)
/// is always skipped. (`TopKScan` over the whole row.)
public func topK(scores: UnsafeBufferPointer<Float>, k: Int,
                 excluded: (Int32) -> Bool = { _ in false }) -> [(id: Int32, score: Float)] {
    let n = scores.count
    guard k > 0, n > 1, let base = scores.baseAddress else { return [] }
    var scan = TopKScan(k: min(k, n - 1))                     // at most every real item (the selector reserves k)
    scan.offer(base, items: 0..<n, excluded: excluded)
    return scan.drain()
}

/// Top-K selection over one score row handed over in consecutive pieces, in item id order (the
/// blocked batch path scores a row one tile of items at a time): the result is `topK`'s over the
/// whole row, whatever the pieces.
///
/// The row is scanned in id order, so once K candidates are kept a later item can enter only with
/// a score strictly above the worst kept one (an equal score comes with a higher id and ranks
/// after it; NaN compares false): one compare per item, done 32 at a time by vector compares (a
/// block without a score above the threshold is skipped whole), the heap touched rarely, and
/// `excluded` asked only about items that pass. (An earlier version skipping blocks of 8 with
/// `SIMD8` compares was 2× slower end to end: Swift's generic SIMD operations did not compile to
/// vector code here; the plain fixed-length loop of `anyScoreAbove` does.)
struct TopKScan {
    private var selector: TopKSelector

    /// Keeps the best `k` (callers bound k by the number of real items: the selector reserves k).
    init(k: Int) { selector = TopKSelector(k: k) }

    /// Offers the items `items`, whose scores are `scores[0 ..< items.count]` (`scores[j]` is item
    /// `items.lowerBound + j`); pieces come in id order, each starting where the last one ended.
    /// Skips id 0 (padding) and the items `excluded` names.
    mutating func offer(_ scores: UnsafePointer<Float>, items: Range<Int>, excluded: (Int32) -> Bool) {
        let first = items.lowerBound, n = items.upperBound
        var i = max(first, 1)
        while i < n && selector.count < selector.k {          // fill the heap
            if !excluded(Int32(i)) { selector.offer(id: Int32(i), score: scores[i - first]) }
            i += 1
        }
        guard selector.k > 0, selector.count == selector.k else { return }
        var threshold = selector.worstScore
        while i < n {
            // Blocks of 32 with no score above the threshold are skipped after one vector test.
            if i + topKScanBlock <= n && !anyScoreAbove(threshold, scores + (i - first)) { i += topKScanBlock; continue }
            let end = min(n, i + topKScanBlock)
            while i < end {
                let s = scores[i - first]
                if s > threshold && !excluded(Int32(i)) {
                    selector.offer(id: Int32(i), score: s)
                    threshold = selector.worstScore
                }
                i += 1
            }
        }
    }

    /// The selected candidates, best first.
    mutating func drain() -> [(id: Int32, score: Float)] { selector.drain() }
}

/// Scores per block of the top-K scan's vector test.
let topKScanBlock = 32

/// Whether any of p[0 ..< 32] is above `threshold` (NaN is not). A fixed-length loop of compares
/// OR-ed together, which LLVM turns into four 8-wide compares; a function of its own, because
/// inlined into the scan's loop it was compiled to scalar compares.
@inline(never)
func anyScoreAbove(_ threshold: Float, _ p: UnsafePointer<Float>) -> Bool {
    var above: Int32 = 0
    for j in 0..<32 { above |= p[j] > threshold ? 1 : 0 }
    return above != 0
}
