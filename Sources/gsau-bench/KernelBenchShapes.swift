import GSAU

/// The shapes of one Beauty training step with the default configuration (docs/MODEL.md §1.1,
/// §5.2): B = 512, L = 50, d = 64, 2 heads, inner 256, the item and user tables of data/beauty.txt,
/// LightGCN on its training adjacency; and a random batch of prefix lengths, packed.
struct BeautyStep {
    let B = 512, L = 50, d = 64, heads = 2, inner = 256
    /// GSAU(rec)'s parameter count on Beauty (Adam's work).
    let parameterCount = 2_309_120
    let users: Int, items: Int                       // table rows, PAD included
    var nodes: Int { users + items }
    let edgeUsers: [Int32], edgeItems: [Int32]       // the training (user, item) rows
    let adjacency: CSRMatrix<Float>
    /// Lengths of a random batch of B prefix examples, and the population's mean length.
    let batchLengths: [Int]
    let populationMean: Double
    var tokensPadded: Int { B * L }
    var tokensPacked: Int { batchLengths.reduce(0, +) }

    /// Loads `dataDir`/beauty.txt, builds the adjacency and draws the batch from `rng`; prints a summary.
    init(dataDir: String, rng: inout RandomGenerator) throws {
        let dataset = try Dataset.load(path: "\(dataDir)/beauty.txt")
        users = dataset.userCount + 1; items = dataset.itemCount + 1
        // Training adjacency.
        var edgeUsers: [Int32] = [], edgeItems: [Int32] = []
        edgeUsers.reserveCapacity(dataset.trainInteractionCount); edgeItems.reserveCapacity(dataset.trainInteractionCount)
        for u in 1..<Int32(users) {
            for i in dataset.trainItems(ofUser: u) { edgeUsers.append(u); edgeItems.append(i) }
        }
        self.edgeUsers = edgeUsers; self.edgeItems = edgeItems
        adjacency = try normalizedAdjacency(userIds: edgeUsers, itemIds: edgeItems, userCount: users, itemCount: items,
                                            as: Float.self)
        // Prefix-augmented training examples: user with n items gives prefixes k = 1 ... n−3, length min(k, 50).
        var prefixLengths: [Int32] = []
        prefixLengths.reserveCapacity(dataset.sequentialTrainExampleCount)
        for u in 1..<Int32(users) {
            let n = dataset.length(ofUser: u)
            if n >= 4 { for k in 1...(n - 3) { prefixLengths.append(Int32(min(k, L))) } }
        }
        let permutation = rng.permutation(prefixLengths.count)
        batchLengths = permutation.prefix(B).map { Int(prefixLengths[Int($0)]) }
        populationMean = Double(prefixLengths.reduce(0) { $0 + Int($1) }) / Double(prefixLengths.count)

        let (Tpack, Tfull) = (tokensPacked, tokensPadded)
        print("Beauty: \(dataset.userCount) users, \(dataset.itemCount) items (tables \(users) × \(items), graph \(nodes) nodes, "
              + "\(edgeUsers.count) train rows, adjacency nnz \(adjacency.nonZeroCount)); \(prefixLengths.count) prefix examples")
        print("packed tokens of a random batch of \(B) prefixes: T = \(Tpack) (mean length \(fixed(Double(Tpack) / Double(B), 2)); "
              + "population mean \(fixed(populationMean, 2)) → expected T ≈ \(fixed(populationMean * Double(B), 0))), "
              + "vs padded T = \(Tfull) (\(fixed(Double(Tpack) / Double(Tfull) * 100, 1))%)")
    }

    /// Sequence offsets [B + 1] of the padded batch (every sequence L tokens) and of the packed one.
    var paddedOffsets: [Int32] { (0...B).map { Int32($0 * L) } }
    var packedOffsets: [Int32] {
        var offsets: [Int32] = [0]
        for length in batchLengths { offsets.append(offsets.last! + Int32(length)) }
        return offsets
    }
}

/// The item table and the batch's unit vectors ŝ, t̂, shared by the CE head, the embedding, the loss
/// and the graph timings.
final class SharedVectors {
    let itemTable: Floats, itemTableGradient: Floats
    let sHat: Floats, tHat: Floats
    /// [2B] workspace of the L2 normalisations.
    let norms: Floats

    init(_ step: BeautyStep, rng: inout RandomGenerator) {
        let (B, d) = (step.B, step.d)
        itemTable = Floats(step.items * d, std: 0.1, rng: &rng)
        itemTableGradient = Floats(step.items * d)
        sHat = Floats(B * d, std: 1, rng: &rng); tHat = Floats(B * d, std: 1, rng: &rng)
        norms = Floats(2 * B)
        l2NormalizeForward(output: sHat.p, norms: norms.p, input: sHat.p, rows: B, channels: d)
        l2NormalizeForward(output: tHat.p, norms: norms.p, input: tHat.p, rows: B, channels: d)
    }
}
