/// The one scoring rule of a trained model (docs/MODEL.md §7.1), used by evaluation, every query,
/// user-vector export and similar items:
///
///   score(u, i) = v_u · w_i (+ b_i for stock BERT4Rec)
///   sequence-scored models: v_u = the sequential encoder's output (eval mode, no dropout) for the
///                           user's last `maxSequenceLength` items, w_i = the item table row;
///   graph-scored models:    v_u = the user's LightGCN layer-mean row, w_i = the item's layer-mean
///                           row, propagated over the training graph (the history is not read).
///
/// A scorer is built once per parameter set: graph-scored models propagate once, in `init`, and
/// afterwards only read the layer-mean table. Nothing changes after `init`, so any number of
/// threads may score at once, each with its own `ScoringWorkspace` (the sequential encoder's
/// activations live there). No training workspace is allocated.
public final class Scorer: @unchecked Sendable {
    public let config: ModelConfig
    public let layout: ParameterLayout
    /// The parameters scored with (shares storage with the model's array).
    let parameters: [Float]
    /// Graph-scored models: the layer-mean table [users + items, d] (users first, items from row
    /// `layout.userCount`); empty for sequence-scored models.
    let graphMean: [Float]

    /// Whether scores come from the graph encoder (then only known users can be scored).
    public var predictsWithGraph: Bool { config.predictWithGraph }
    /// Columns of a score row: items including the padding id 0.
    public var itemCount: Int { layout.itemCount }
    /// Width d of user and item vectors.
    public var width: Int { config.embeddingSize }

    public convenience init(model: GSAUModel) throws { try self.init(model: model, adjacency: nil) }

    /// `adjacency`: the model's normalised training graph when the caller already has it (the
    /// trainer's graph encoder does, so validation does not rebuild it every epoch); nil builds it.
    init(model: GSAUModel, adjacency given: CSRMatrix<Float>?) throws {
        let config = model.config, layout = model.layout, parameters = model.parameters
        self.config = config
        self.layout = layout
        self.parameters = parameters
        guard config.predictWithGraph else { graphMean = []; return }
        let adjacency: CSRMatrix<Float>
        if let given {
            adjacency = given
        } else {
            let (users, items) = model.dataset.trainingEdges()
            adjacency = try normalizedAdjacency(userIds: users, itemIds: items, userCount: layout.userCount,
                                                itemCount: layout.itemCount, as: Float.self)
        }
        guard let userTable = layout.userTable else {
            throw GSAUError.invalidArgument("a graph-scored model needs the user table")
        }
        let d = config.embeddingSize, nodes = layout.userCount + layout.itemCount, k = config.graphLayers
        var layers = [Float](repeating: 0, count: (k + 1) * nodes * d)
        var mean = [Float](repeating: 0, count: nodes * d)
        parameters.withUnsafeBufferPointer { p in
            layers.withUnsafeMutableBufferPointer { l in
                mean.withUnsafeMutableBufferPointer { m in
                    lightGCNForward(adjacency: adjacency, userTable: p.baseAddress! + userTable,
                                    itemTable: p.baseAddress! + layout.itemTable,
                                    userCount: layout.userCount, itemCount: layout.itemCount, width: d, layerCount: k,
                                    layers: l.baseAddress!, mean: m.baseAddress!)
                }
            }
        }
        graphMean = mean
    }

    /// Calls `body` with the item vectors w [itemCount, d] (row 0 = padding): the item table, or
    /// the items' layer-mean rows for graph-scored models.
    public func withItemVectors<R>(_ body: (UnsafePointer<Float>) throws -> R) rethrows -> R {
        if predictsWithGraph {
            return try graphMean.withUnsafeBufferPointer { try body($0.baseAddress! + layout.userCount * width) }
        }
        return try parameters.withUnsafeBufferPointer { try body($0.baseAddress! + layout.itemTable) }
    }

    /// A workspace for one scoring thread (the sequential encoder and its buffers).
    public func makeWorkspace() -> ScoringWorkspace { ScoringWorkspace(config: config, layout: layout) }

    /// v [count, d] of `count` users: graph-scored models read the users' layer-mean rows;
    /// sequence-scored models encode `history(u)` (non-empty, real item ids) of each user.
    public func userVectors(users: UnsafeBufferPointer<Int32>, history: (Int32) -> ArraySlice<Int32>,
                            workspace: ScoringWorkspace, into v: UnsafeMutablePointer<Float>) {
        if predictsWithGraph {
            graphMean.withUnsafeBufferPointer { g in
                for (r, u) in users.enumerated() { (v + r * width).update(from: g.baseAddress! + Int(u) * width, count: width) }
            }
        } else {
            sequenceVectors(count: users.count, workspace: workspace, into: v) { r in history(users[r]) }
        }
    }

    /// v [count, d] of `count` item sequences (sequence-scored models only; each non-empty, real
    /// item ids, oldest first).
    public func sequenceVectors(count: Int, workspace: ScoringWorkspace, into v: UnsafeMutablePointer<Float>,
                                sequence: (Int) -> ArraySlice<Int32>) {
        guard let encoder = workspace.encoder else { return }
        workspace.packed.removeAll()
        for r in 0..<count { encoder.appendPredictionInput(sequence(r), to: &workspace.packed) }
        var unused = RandomGenerator(seed: 0)   // eval mode draws nothing
        parameters.withUnsafeBufferPointer { p in
            encoder.forward(parameters: p.baseAddress!, batch: workspace.packed, training: false, rng: &unused, output: v)
        }
    }

    /// scores [rows, itemCount] = v · wᵀ (+ b). One row is a matrix-vector product (see `matvec`);
    /// several rows one matrix product, so a block reads the item vectors once.
    public func scores(userVectors v: UnsafePointer<Float>, rows: Int, into scores: UnsafeMutablePointer<Float>) {
        let items = itemCount, d = width
        withItemVectors { w in
            if rows == 1 {
                matvec(w, rows: items, columns: d, v, into: scores)
            } else {
                matmul(v, w, transB: true, into: scores, m: rows, n: items, k: d)
            }
        }
        withItemBias { bias in
            if let bias { addRowVector(bias, to: scores, rows: rows, columns: items) }
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
