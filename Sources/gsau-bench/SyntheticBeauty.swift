import GSAU
import Glibc

// gsau-bench synth --scale S [--seed N] --out FILE [--data DIR]: a synthetic sequence file shaped like
// Amazon Beauty (data/beauty.txt) at S× — 22,363·S users, 12,101·S items, about 198,502·S
// interactions — for the growth benchmark (bench/scale). Same scale and seed → same bytes.
//
//   lengths     each user's length is drawn from Beauty's own per-user lengths (min 5, median 6,
//               mean 8.9, max 204), so the interaction count is 198,502·S on average;
//   popularity  item r (rank 1 = most popular) gets 5 + A·((r−1)/S + 51)^−0.88 interactions, A
//               making the counts sum to the interactions: Zipf–Mandelbrot over a 5-interaction
//               floor, fitted to Beauty's rank–count curve weighted evenly in log rank (Beauty 431,
//               302, 119, 39, 10, 5 at ranks 1, 10, 100, 1k, 5k, 10k; the fit 354, 308, 140, 29, 11,
//               8; Beauty's plain log–log slope is −0.76). Dividing the rank by S keeps Beauty's
//               per-item count distribution: S× the items at every popularity;
//   assignment  the interactions (item r repeated count(r) times) are shuffled and dealt to the
//               users in turn, then any item a user got twice is swapped with a random other
//               user's item (Beauty has no repeats);
//   order       the dealt order is the time order; ids are decimal strings (users 1…, items 1… by rank).
// Every user has ≥ 5 items and every item ≥ 5 interactions by construction (a 5-core): the loader's
// k-core filter removes nothing (`check` verifies both, and bench/scale checks the loader agrees).

struct SyntheticBeauty {
    static let beautyUsers = 22_363, beautyItems = 12_101
    static let popularityExponent = 0.88, popularityOffset = 50.0, minimumCount = 5

    let scale: Int
    /// Item (1-based rank) of every interaction, users' sequences one after another.
    private(set) var items: [Int32] = []
    /// User u's items are items[offsets[u] ..< offsets[u + 1]] (u from 0).
    private(set) var offsets: [Int] = [0]
    private(set) var repairedRepeats = 0

    var userCount: Int { offsets.count - 1 }
    var itemCount: Int { Self.beautyItems * scale }

    /// `lengths`: the reference per-user lengths to resample (Beauty's).
    init(scale: Int, seed: UInt64, lengths: [Int]) throws {
        guard scale >= 1, scale <= 1000 else { throw GSAUError.invalidArgument("--scale must be 1...1000 (got \(scale))") }
        guard !lengths.isEmpty, lengths.allSatisfy({ $0 >= Self.minimumCount }) else {
            throw GSAUError.invalidArgument("reference lengths must be non-empty and all >= \(Self.minimumCount)")
        }
        self.scale = scale
        var rng = RandomGenerator(seed: seed)
        let users = Self.beautyUsers * scale
        offsets.reserveCapacity(users + 1)
        for _ in 0..<users { offsets.append(offsets[offsets.count - 1] + lengths[rng.nextInt(below: lengths.count)]) }
        let total = offsets[users]
        items = Self.interactions(counts: Self.itemCounts(items: itemCount, total: total, scale: scale))
        rng.shuffle(&items)
        repairRepeats(rng: &rng)
    }

    /// Interactions per item (index r−1 for rank r): the floor plus the power-law share, summing to `total`.
    static func itemCounts(items: Int, total: Int, scale: Int) -> [Int] {
        let extra = total - minimumCount * items          // > 0: Beauty's mean length 8.9 gives 16 per item
        let weights = (0..<items).map { pow(Double($0) / Double(scale) + 1 + popularityOffset, -popularityExponent) }
        let sum = weights.reduce(0, +)
        var counts = weights.map { minimumCount + Int(Double(extra) * $0 / sum) }
        var left = total - counts.reduce(0, +)           // rounding down leaves < items; the most popular get one more
        var r = 0
        while left > 0 { counts[r % items] += 1; left -= 1; r += 1 }
        return counts
    }

    private static func interactions(counts: [Int]) -> [Int32] {
        var out: [Int32] = []
        out.reserveCapacity(counts.reduce(0, +))
        for (r, c) in counts.enumerated() { out.append(contentsOf: repeatElement(Int32(r + 1), count: c)) }
        return out
    }

    private func user(at position: Int) -> Int {
        var lo = 0, hi = userCount - 1                    // the last u with offsets[u] <= position
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if offsets[mid] <= position { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    private func has(_ u: Int, _ item: Int32, except position: Int) -> Bool {
        for p in offsets[u]..<offsets[u + 1] where p != position && items[p] == item { return true }
        return false
    }

    /// Swaps every repeated item of a user with a random position of another user where neither
    /// side then repeats an item.
    private mutating func repairRepeats(rng: inout RandomGenerator) {
        for u in 0..<userCount {
            for p in offsets[u]..<offsets[u + 1] where has(u, items[p], except: p) {
                while true {
                    let q = rng.nextInt(below: items.count), v = user(at: q)
                    guard v != u, !has(u, items[q], except: p), !has(v, items[p], except: q) else { continue }
                    items.swapAt(p, q)
                    repairedRepeats += 1
                    break
                }
            }
        }
    }

    /// Throws unless every user has ≥ 5 distinct items and every item ≥ 5 interactions.
    func check() throws {
        var perItem = [Int](repeating: 0, count: itemCount + 1)
        for u in 0..<userCount {
            let n = offsets[u + 1] - offsets[u]
            guard n >= Self.minimumCount else { throw GSAUError.invalidArgument("synthetic user \(u + 1) has \(n) items") }
            for p in offsets[u]..<offsets[u + 1] {
                guard !has(u, items[p], except: p) else { throw GSAUError.invalidArgument("synthetic user \(u + 1) repeats item \(items[p])") }
                perItem[Int(items[p])] += 1
            }
        }
        guard let fewest = perItem.dropFirst().min(), fewest >= Self.minimumCount else {
            throw GSAUError.invalidArgument("a synthetic item has fewer than \(Self.minimumCount) interactions")
        }
    }

    /// Interactions of the most and least popular item.
    var countRange: (most: Int, least: Int) {
        var perItem = [Int](repeating: 0, count: itemCount + 1)
        for i in items { perItem[Int(i)] += 1 }
        let counts = perItem.dropFirst()
        return (counts.max() ?? 0, counts.min() ?? 0)
    }

    /// The sequence file (`user item item ...` per line), written atomically.
    func write(to path: String) throws {
        let tmp = path + ".tmp"
        guard let f = fopen(tmp, "w") else { throw GSAUError.io(path: tmp, message: "cannot open for writing") }
        var line = ""
        for u in 0..<userCount {
            line = String(u + 1)
            for p in offsets[u]..<offsets[u + 1] { line += " "; line += String(items[p]) }
            line += "\n"
            fputs(line, f)
        }
        let failed = fflush(f) != 0 || ferror(f) != 0
        fclose(f)
        guard !failed, rename(tmp, path) == 0 else { unlink(tmp); throw GSAUError.io(path: path, message: "write failed") }
    }
}

/// Per-user lengths of a sequence file, as loaded (no k-core).
func userLengths(path: String) throws -> [Int] {
    let dataset = try Dataset.load(path: path, options: DatasetOptions(holdOut: .none))
    return (1...Int32(dataset.userCount)).map { dataset.length(ofUser: $0) }
}

func synthCommand(scale: Int, seed: UInt64, out: String, dataDir: String) throws {
    let synthetic = try SyntheticBeauty(scale: scale, seed: seed, lengths: try userLengths(path: "\(dataDir)/beauty.txt"))
    try synthetic.check()
    try synthetic.write(to: out)
    let (most, least) = synthetic.countRange
    print("synthetic Beauty ×\(scale) (seed \(seed)): \(synthetic.userCount) users, \(synthetic.itemCount) items, "
          + "\(synthetic.items.count) interactions; item counts \(least)…\(most); \(synthetic.repairedRepeats) repeats swapped away -> \(out)")
}
