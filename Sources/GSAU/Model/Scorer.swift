/// The one scoring rule of a trained model (docs/MODEL.md §7.1, §7.5), used by evaluation, every
/// query, user-vector export and similar items:
///
///   score(u, i) = v_u · w_i (+ b_i for stock BERT4Rec)
///   sequence-scored models: v_u = the sequential encoder's output (eval mode, no dropout) for the
///                           user's last `maxSequenceLength` items, w_i = the item table row;
///   graph-scored models:    v_u = the user's LightGCN layer-mean row, w_i = the item's layer-mean
///                           row, propagated over the training graph (the history is not read);
///   fused (graph_score_weight w > 0, sequence-scored): v_u = [h_u, √w·ĝ_u], w_i = [e_i, √w·ĝ_i],
///                           ĝ the unit-length layer-mean rows, so v_u · w_i = h_u · e_i + w·cos.
///
/// A scorer is built once per parameter set: graph-scored and fused models propagate once, in
/// `init`, and afterwards only read their tables. Nothing changes after `init`, so any number of
/// threads may score at once, each with its own `ScoringWorkspace` (the sequential encoder's
/// activations live there). No training workspace is allocated.
public final class Scorer: @unchecked Sendable {
    public let config: ModelConfig
    public let layout: ParameterLayout
    /// The parameters scored with (shares storage with the model's array).
    let parameters: [Float]
    /// Graph-scored models: the layer-mean table [users + items, d] (users first, items from row
    /// `layout.userCount`); empty otherwise.
    let graphMean: [Float]
    /// Fused models: the item vectors [itemCount, 2d] = [e_i, √w·ĝ_i] and the users' graph halves
    /// [userCount, d] = √w·ĝ_u; empty otherwise.
    let fusedItems: [Float], fusedUsers: [Float]

    /// Whether scores come from the graph encoder (then only known users can be scored).
    public var predictsWithGraph: Bool { config.predictWithGraph }
    /// Whether sequence scores get the graph encoder's cosine added (docs/MODEL.md §7.5).
    public var fusesGraphScore: Bool { !fusedItems.isEmpty }
    /// Columns of a score row: items including the padding id 0.
    public var itemCount: Int { layout.itemCount }
    /// Width of user and item vectors: d, or 2d for fused models.
    public let width: Int

    public convenience init(model: GSAUModel) throws { try self.init(model: model, adjacency: nil) }

    /// `adjacency`: the model's normalised training graph when the caller already has it (the
    /// trainer's graph encoder does, so validation does not rebuild it every epoch); nil builds it.
    init(model: GSAUModel, adjacency given: CSRMatrix<Float>?) throws {
        let config = model.config, layout = model.layout, d = config.embeddingSize
        self.config = config
        self.layout = layout
        self.parameters = model.parameters
        let fused = config.graphScoreWeight > 0 && !config.predictWithGraph
        width = fused ? 2 * d : d
        guard config.predictWithGraph || fused else { graphMean = []; fusedItems = []; fusedUsers = []; return }
        let mean = try graphLayerMeans(model, adjacency: given)
        guard fused else { graphMean = mean; fusedItems = []; fusedUsers = []; return }
        graphMean = []
        // Unit rows scaled by √w: the cosine's factor, split evenly between the two sides.
        let users = layout.userCount, items = layout.itemCount, scale = Float(config.graphScoreWeight.squareRoot())
        var unit = [Float](repeating: 0, count: mean.count), norms = [Float](repeating: 0, count: users + items)
        mean.withUnsafeBufferPointer { m in
            unit.withUnsafeMutableBufferPointer { u in
                norms.withUnsafeMutableBufferPointer { n in
                    l2NormalizeForward(output: u.baseAddress!, norms: n.baseAddress!, input: m.baseAddress!,
                                       rows: users + items, channels: d)
                }
            }
        }
        for k in unit.indices { unit[k] *= scale }
        fusedUsers = Array(unit[0..<(users * d)])
        var table = [Float](repeating: 0, count: items * 2 * d)
        model.parameters.withUnsafeBufferPointer { p in
            for i in 1..<items {   // row 0 (padding) stays zero: it is never a candidate
                for c in 0..<d {
                    table[i * 2 * d + c] = p[layout.itemTable + i * d + c]
                    table[i * 2 * d + d + c] = unit[(users + i) * d + c]
                }
            }
        }
        fusedItems = table
    }

    /// Calls `body` with the item vectors w [itemCount, width] (row 0 = padding): the item table,
    /// the items' layer-mean rows for graph-scored models, or the fused rows.
    public func withItemVectors<R>(_ body: (UnsafePointer<Float>) throws -> R) rethrows -> R {
        if fusesGraphScore {
            return try fusedItems.withUnsafeBufferPointer { try body($0.baseAddress!) }
        }
        if predictsWithGraph {
            return try graphMean.withUnsafeBufferPointer { try body($0.baseAddress! + layout.userCount * width) }
        }
        return try parameters.withUnsafeBufferPointer { try body($0.baseAddress! + layout.itemTable) }
    }

    /// A workspace for one scoring thread (the sequential encoder and its buffers).
    public func makeWorkspace() -> ScoringWorkspace { ScoringWorkspace(config: config, layout: layout) }

    /// v [count, width] of `count` users: graph-scored models read the users' layer-mean rows;
    /// sequence-scored models encode `history(u)` (non-empty, real item ids) of each user, and
    /// fused models append the users' graph halves.
    public func userVectors(users: UnsafeBufferPointer<Int32>, history: (Int32) -> ArraySlice<Int32>,
                            workspace: ScoringWorkspace, into v: UnsafeMutablePointer<Float>) {
        if predictsWithGraph {
            graphMean.withUnsafeBufferPointer { g in
                for (r, u) in users.enumerated() { (v + r * width).update(from: g.baseAddress! + Int(u) * width, count: width) }
            }
            return
        }
        sequenceVectors(count: users.count, workspace: workspace, into: v) { r in history(users[r]) }
        guard fusesGraphScore else { return }
        let d = config.embeddingSize
        fusedUsers.withUnsafeBufferPointer { g in
            for (r, u) in users.enumerated() { (v + r * width + d).update(from: g.baseAddress! + Int(u) * d, count: d) }
        }
    }

    /// v [count, width] of `count` item sequences (sequence-scored models only; each non-empty,
    /// real item ids, oldest first). For fused models the graph half is zero: a sequence has no
    /// graph row (`userVectors` fills it for known users).
    public func sequenceVectors(count: Int, workspace: ScoringWorkspace, into v: UnsafeMutablePointer<Float>,
                                sequence: (Int) -> ArraySlice<Int32>) {
        guard let encoder = workspace.encoder else { return }
        workspace.packed.removeAll()
        for r in 0..<count { encoder.appendPredictionInput(sequence(r), to: &workspace.packed) }
        var unused = RandomGenerator(seed: 0)   // eval mode draws nothing
        parameters.withUnsafeBufferPointer { p in
            encoder.forward(parameters: p.baseAddress!, batch: workspace.packed, training: false, rng: &unused, output: v)
        }
        guard fusesGraphScore else { return }
        // The encoder wrote [count, d] rows back to back: spread them to the stride 2d, last row
        // first (a row's new place never overlaps an earlier row's old one), zero graph halves.
        let d = config.embeddingSize
        for r in stride(from: count - 1, through: 0, by: -1) {
            if r > 0 { (v + r * width).update(from: v + r * d, count: d) }
            (v + r * width + d).update(repeating: 0, count: d)
        }
    }

    /// scores [rows, itemCount] = v · wᵀ (+ b). One row is a matrix-vector product (see `matvec`);
    /// several rows one matrix product, so a block reads the item vectors once.
    public func scores(userVectors v: UnsafePointer<Float>, rows: Int, into scores: UnsafeMutablePointer<Float>) {
        self.scores(userVectors: v, rows: rows, items: 0..<itemCount, into: scores)
    }

    /// scores [rows, items.count] of the item ids `items` only (a range within 0..<itemCount):
    /// column j is item `items.lowerBound + j`. The same rule as a full row, on a slice of the
    /// item vectors (the blocked batch path scores a tile of items at a time).
    public func scores(userVectors v: UnsafePointer<Float>, rows: Int, items: Range<Int>,
                       into scores: UnsafeMutablePointer<Float>) {
        let n = items.count, d = width, first = items.lowerBound
        withItemVectors { w in
            if rows == 1 {
                matvec(w + first * d, rows: n, columns: d, v, into: scores)
            } else {
                matmul(v, w + first * d, transB: true, into: scores, m: rows, n: n, k: d)
            }
        }
        withItemBias { bias in
            if let bias { addRowVector(bias + first, to: scores, rows: rows, columns: n) }
        }
    }

    /// Calls `body` with the per-item score bias b [itemCount] (row 0 = padding) of the variants
    /// with an output bias (stock BERT4Rec), or with nil when scores have none.
    public func withItemBias<R>(_ body: (UnsafePointer<Float>?) throws -> R) rethrows -> R {
        guard let bias = layout.outputBias else { return try body(nil) }
        return try parameters.withUnsafeBufferPointer { try body($0.baseAddress! + bias) }
    }
}

/// The mutable state of one scoring thread: the sequential encoder (nil for graph-scored models)
/// with its activation buffers, and the packed input of the current block.
public final class ScoringWorkspace: @unchecked Sendable {
    let encoder: SequenceEncoder<Float>?
    var packed: PackedSequences

    convenience init(config: ModelConfig, layout: ParameterLayout) {
        self.init(config: config, encoder: config.predictWithGraph ? nil : SequenceEncoder<Float>(config: config, layout: layout))
    }

    /// A workspace that encodes with `encoder` (the trainer lends its training encoder for
    /// validation, whose buffers are free between steps, instead of allocating a second set).
    init(config: ModelConfig, encoder: SequenceEncoder<Float>?) {
        self.encoder = config.predictWithGraph ? nil : encoder
        packed = PackedSequences(capacity: config.maxSequenceLength, sequences: 1)
    }
}

/// The LightGCN layer means [users + items, d] of `model`'s parameters (docs/MODEL.md §3.4),
/// propagated over `given` or, when nil, the model's normalised training graph.
private func graphLayerMeans(_ model: GSAUModel, adjacency given: CSRMatrix<Float>?) throws -> [Float] {
    let config = model.config, layout = model.layout
    let adjacency: CSRMatrix<Float>
    if let given {
        adjacency = given
    } else {
        let (users, items) = model.dataset.trainingEdges()
        adjacency = try normalizedAdjacency(userIds: users, itemIds: items, userCount: layout.userCount,
                                            itemCount: layout.itemCount, as: Float.self)
    }
    guard let userTable = layout.userTable else {
        throw GSAUError.invalidArgument("scoring with the graph encoder needs the user table")
    }
    let d = config.embeddingSize, nodes = layout.userCount + layout.itemCount, k = config.graphLayers
    var layers = [Float](repeating: 0, count: (k + 1) * nodes * d)
    var mean = [Float](repeating: 0, count: nodes * d)
    model.parameters.withUnsafeBufferPointer { p in
        layers.withUnsafeMutableBufferPointer { l in
            mean.withUnsafeMutableBufferPointer { m in
                lightGCNForward(adjacency: adjacency, userTable: p.baseAddress! + userTable,
                                itemTable: p.baseAddress! + layout.itemTable,
                                userCount: layout.userCount, itemCount: layout.itemCount, width: d, layerCount: k,
                                layers: l.baseAddress!, mean: m.baseAddress!)
            }
        }
    }
    return mean
}
