/// The two training streams of docs/MODEL.md §2.3, §2.4 and §6.1, each reshuffled by its own generator.
///
/// Graph stream: one row per training interaction (u, i), Σ (n_u − 2) rows in leave-one-out.
/// Sequential stream: one prefix example per training target: for user training items
/// i_0..i_{t−1} and k = 1..t−1, input = the last ≤ maxLength items before i_k, target = i_k;
/// Σ (n_u − 3) rows in leave-one-out (t = n − 2).
/// Batches are consecutive slices of a fresh permutation; the last partial batch is kept, except a
/// final batch of a single row, which is dropped (uniformity needs pairs; it never happens on
/// Beauty, whose last batches have 176 and 341 rows).
struct TrainingStreams {
    let dataset: Dataset
    let batchSize: Int
    let maxLength: Int
    // Graph rows.
    private(set) var pairUsers: [Int32] = []
    private(set) var pairItems: [Int32] = []
    // Sequential examples: user and position k of the target in the user's sequence.
    private(set) var exampleUsers: [Int32] = []
    private(set) var examplePositions: [Int32] = []

    init(dataset: Dataset, batchSize: Int, maxLength: Int) {
        self.dataset = dataset
        self.batchSize = batchSize
        self.maxLength = maxLength
        pairUsers.reserveCapacity(dataset.trainInteractionCount)
        pairItems.reserveCapacity(dataset.trainInteractionCount)
        for u in 1..<Int32(dataset.users.count) {
            let train = dataset.trainItems(ofUser: u)
            for i in train { pairUsers.append(u); pairItems.append(i) }
            if train.count >= 2 { for k in 1..<train.count { exampleUsers.append(u); examplePositions.append(Int32(k)) } }
        }
    }

    var graphRows: Int { pairUsers.count }
    var sequentialRows: Int { exampleUsers.count }

    /// Batches per pass over `rows` rows (a trailing single-row batch is dropped).
    func batchCount(rows: Int) -> Int {
        let full = rows / batchSize, rest = rows % batchSize
        return full + (rest >= 2 ? 1 : 0)
    }

    /// Row range of batch `index` in a pass.
    func batchRange(_ index: Int, rows: Int) -> Range<Int> {
        let start = index * batchSize
        return start..<min(rows, start + batchSize)
    }

    /// Fills `batch` with the graph rows `order[range]`.
    func graphBatch(_ range: Range<Int>, order: [Int32], into batch: inout GraphBatch) {
        batch.users.removeAll(keepingCapacity: true)
        batch.items.removeAll(keepingCapacity: true)
        for r in range {
            let row = Int(order[r])
            batch.users.append(pairUsers[row]); batch.items.append(pairItems[row])
        }
    }

    /// Draws one negative per pair, uniformly among the real items, redrawn while it is one of the
    /// user's training items (RecBole's uniform sampler). A user who has every item keeps the draw.
    func sampleNegatives(for batch: inout GraphBatch, rng: inout RandomGenerator) {
        batch.negatives.removeAll(keepingCapacity: true)
        let items = dataset.items.count - 1
        for u in batch.users {
            let seen = dataset.trainItems(ofUser: u)
            var j = Int32(1 + rng.nextInt(below: items)), tries = 0
            while seen.contains(j) && tries < 1000 { j = Int32(1 + rng.nextInt(below: items)); tries += 1 }
            batch.negatives.append(j)
        }
    }

    /// Fills `batch` with the sequential examples `order[range]`.
    func sequenceBatch(_ range: Range<Int>, order: [Int32], into batch: inout SequenceBatch) {
        batch.inputs.removeAll()
        batch.targets.removeAll(keepingCapacity: true)
        batch.readTokens.removeAll(keepingCapacity: true)
        for r in range {
            let row = Int(order[r])
            let start = dataset.offsets[Int(exampleUsers[row])], k = Int(examplePositions[row])
            batch.inputs.append(dataset.sequence[(start + max(0, k - maxLength))..<(start + k)], maxLength: maxLength)
            batch.targets.append(dataset.sequence[start + k])
        }
    }

    /// The largest number of packed tokens any sequential batch can hold (sizes the workspaces).
    func maxTokensPerBatch() -> Int {
        var lengths = examplePositions.map { min(Int($0), maxLength) }
        lengths.sort(by: >)
        return lengths.prefix(batchSize).reduce(0, +)
    }
}
