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

    /// Offers one candidate.
    @inline(__always)
    mutating func offer(id: Int32, score: Float) {
        if k == 0 || score.isNaN { return }
        if ids.count < k {
            ids.append(id); scores.append(score)
            siftUp(ids.count - 1)
        } else if TopKSelector.worse(scores[0], ids[0], score, id) {
            ids[0] = id; scores[0] = score
            siftDown(0)
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

    private mutating func siftDown(_ start: Int) {
        var p = start
        let n = ids.count
        while true {
            let l = 2 * p + 1, r = l + 1
            var m = p
            if l < n && TopKSelector.worse(scores[l], ids[l], scores[m], ids[m]) { m = l }
            if r < n && TopKSelector.worse(scores[r], ids[r], scores[m], ids[m]) { m = r }
            if m == p { return }
            swapAt(p, m); p = m
        }
    }

    private mutating func swapAt(_ a: Int, _ b: Int) { ids.swapAt(a, b); scores.swapAt(a, b) }
}

/// Top-K items of one score row, best first; `excluded(id)` items are skipped; id 0 (padding)
/// is always skipped.
public func topK(scores: UnsafeBufferPointer<Float>, k: Int,
                 excluded: (Int32) -> Bool = { _ in false }) -> [(id: Int32, score: Float)] {
    var selector = TopKSelector(k: k)
    for i in 1..<max(1, scores.count) where !excluded(Int32(i)) { selector.offer(id: Int32(i), score: scores[i]) }
    return selector.drain()
}
