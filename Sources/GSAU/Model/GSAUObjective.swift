/// One step's loss terms, unweighted, named as the parity fixtures name them; nil when absent.
public struct LossTerms: Sendable, Equatable {
    public var graphAlign: Double? = nil
    public var graphUniformUser: Double? = nil
    public var graphUniformItem: Double? = nil
    /// LightGCN: the BPR loss and the weighted EmbLoss.
    public var graphBPR: Double? = nil
    public var graphRegularization: Double? = nil
    public var sequentialCrossEntropy: Double? = nil
    public var sequentialAlign: Double? = nil
    public var sequentialUniformSequence: Double? = nil
    public var sequentialUniformItem: Double? = nil
    public var sequentialUniformSequenceVsItem: Double? = nil
    /// L = L_GA + γ·L_GU + L_SA + γ·L_SU, the value that was back-propagated.
    public var total: Double = 0

    /// True when the sequence representations have collapsed: unif(Ŝ) = log mean exp(−2‖ŝ_a − ŝ_b‖²)
    /// is above −0.1, i.e. the normalised sequence vectors of a batch lie almost in one point
    /// (mean squared distance ≲ 0.05, against ≈ 2 for spread vectors, where the term is about −4).
    /// Happens when γ is too small for alignment + uniformity training (docs/RESULTS.md, "γ");
    /// the model then ranks close to at random. False for variants without that term.
    public var sequenceRepresentationsCollapsed: Bool {
        guard let uniformity = sequentialUniformSequence else { return false }
        return uniformity > -0.1
    }
}

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
    /// Rows of the sequential loss: sequences (SASRec) or kept masked positions (BERT4Rec).
    var count: Int { targets.count }
}

/// The GSAU objective (model-spec §3): forward through both encoders, every loss term, and the
/// backward pass into one gradient buffer (same layout as the parameters).
///
///   graph:      û = normalize(U_g[u]), î = normalize(I_g[i])
///               L_GA = align(û, î), L_GU = unif(û) + unif(î)
///               GraphAU: L_GA = Σ_{X ∈ layers 1..K, mean} [align(Û⁰, Î^X) + align(Î⁰, Û^X)] / (2(K+1)),
///                        L_GU on the layer-0 (ego) rows
///   sequential: ŝ = normalize(h), t̂ = normalize(E_item[target])
///               L_SA = align(ŝ, t̂), or CE(ŝ·E_itemᵀ, target) for GSAU(rec)
///               L_SU = unif(ŝ) + unif(t̂) [+ unif(ŝ, t̂[π]), π a derangement of the batch]
///   total:      L_GA + γ·L_GU + L_SA + γ·L_SU
final class GSAUObjective<T: GSAUScalar> {
    let config: ModelConfig
    let layout: ParameterLayout
    let graph: GraphEncoder<T>?
    let sequence: SequenceEncoder<T>?

    // Graph-side buffers: one [B, d] block per view (the mean, or layers 0...K and the mean).
    private let graphRaw = ScratchBuffer<T>(), graphHat = ScratchBuffer<T>(), graphNorms = ScratchBuffer<T>()
    private let graphHatGradient = ScratchBuffer<T>(), graphRawGradient = ScratchBuffer<T>()
    // Sequential-side buffers.
    private let h = ScratchBuffer<T>(), sHat = ScratchBuffer<T>(), sNorms = ScratchBuffer<T>()
    private let tRaw = ScratchBuffer<T>(), tHat = ScratchBuffer<T>(), tNorms = ScratchBuffer<T>(), tPermuted = ScratchBuffer<T>()
    private let dSHat = ScratchBuffer<T>(), dTHat = ScratchBuffer<T>(), dTPermuted = ScratchBuffer<T>()
    private let dH = ScratchBuffer<T>(), dTRaw = ScratchBuffer<T>()
    private let logits = ScratchBuffer<T>(), rowLoss = ScratchBuffer<T>()
    private let pairWorkspace = ScratchBuffer<T>()

    init(config: ModelConfig, layout: ParameterLayout, graph: GraphEncoder<T>?, sequence: SequenceEncoder<T>?) {
        self.config = config
        self.layout = layout
        self.graph = graph
        self.sequence = sequence
    }

    /// Computes the loss and ACCUMULATES its gradient into `g` (the caller zeroes `g` first).
    /// `derangement`: the u–i pairing π (drawn from `rng` when nil and the term is on).
    func lossAndGradients(parameters p: UnsafePointer<T>, gradients g: UnsafeMutablePointer<T>,
                          graphBatch: GraphBatch?, sequenceBatch: SequenceBatch?,
                          derangement: [Int32]? = nil, training: Bool,
                          rng: inout RandomGenerator) throws -> LossTerms {
        var terms = LossTerms()
        let gamma = T(config.gamma)
        var graphAlign: T = 0, graphUniform: T = 0, sequentialMain: T = 0, sequentialUniform: T = 0
        if let graph, let batch = graphBatch, batch.count > 0, config.graphObjective == .bpr {
            let (bpr, regularization) = try bprLoss(graph, batch, parameters: p, gradients: g)
            terms.graphBPR = Double(bpr); terms.graphRegularization = Double(regularization)
            graphAlign = bpr + regularization
        } else if let graph, let batch = graphBatch, batch.count > 0 {
            let (align, unifUser, unifItem) = try graphLoss(graph, batch, parameters: p, gradients: g, gamma: gamma)
            terms.graphAlign = Double(align); terms.graphUniformUser = Double(unifUser); terms.graphUniformItem = Double(unifItem)
            graphAlign = align
            graphUniform = gamma * (unifUser + unifItem)
        }
        if let sequence, let batch = sequenceBatch, batch.count > 0 {
            try sequentialLoss(sequence, batch, parameters: p, gradients: g, gamma: gamma, derangement: derangement,
                               training: training, rng: &rng, terms: &terms, main: &sequentialMain, uniform: &sequentialUniform)
        }
        let total = graphAlign + graphUniform + sequentialMain + sequentialUniform
        terms.total = Double(total)
        guard total.isFinite else { throw GSAUError.numerical("the loss is \(total)") }
        return terms
    }

    // MARK: graph side

    private func graphLoss(_ graph: GraphEncoder<T>, _ batch: GraphBatch, parameters p: UnsafePointer<T>,
                           gradients g: UnsafeMutablePointer<T>, gamma: T) throws -> (T, T, T) {
        let b = batch.count, d = config.embeddingSize, k = config.graphLayers, users = layout.userCount
        let perLayer = config.alignPerLayer
        // Views: the layer mean, or (GraphAU) layers 0...K then the mean; view j < K+1 is layer j.
        let v = perLayer ? k + 2 : 1, block = b * d
        func layer(ofView j: Int) -> Int? { perLayer && j <= k ? j : nil }
        // Blocks: users of view 0..<v, then items of view 0..<v.
        let raw = graphRaw.reserve(2 * v * block), hat = graphHat.reserve(2 * v * block)
        let norms = graphNorms.reserve(2 * v * b)
        let dHat = graphHatGradient.reserve(2 * v * block), dRaw = graphRawGradient.reserve(block)
        func userBlock(_ buffer: UnsafeMutablePointer<T>, _ view: Int) -> UnsafeMutablePointer<T> { buffer + view * block }
        func itemBlock(_ buffer: UnsafeMutablePointer<T>, _ view: Int) -> UnsafeMutablePointer<T> { buffer + (v + view) * block }

        graph.forward(parameters: p, batch: batch)
        batch.users.withUnsafeBufferPointer { ub in
            batch.items.withUnsafeBufferPointer { ib in
                for j in 0..<v {
                    graph.gather(ids: ub.baseAddress!, count: b, nodeOffset: 0, layer: layer(ofView: j), into: userBlock(raw, j))
                    graph.gather(ids: ib.baseAddress!, count: b, nodeOffset: users, layer: layer(ofView: j), into: itemBlock(raw, j))
                }
            }
        }
        l2NormalizeForward(output: hat, norms: norms, input: raw, rows: 2 * v * b, channels: d)
        dHat.update(repeating: 0, count: 2 * v * block)

        var align: T = 0
        if perLayer {
            let scale = 1 / T(2 * (k + 1))
            for j in 1..<v {
                align += try alignmentForward(x: userBlock(hat, 0), y: itemBlock(hat, j), rows: b, width: d)
                alignmentBackward(x: userBlock(hat, 0), y: itemBlock(hat, j), rows: b, width: d, upstream: scale,
                                  dx: userBlock(dHat, 0), dy: itemBlock(dHat, j))
                align += try alignmentForward(x: itemBlock(hat, 0), y: userBlock(hat, j), rows: b, width: d)
                alignmentBackward(x: itemBlock(hat, 0), y: userBlock(hat, j), rows: b, width: d, upstream: scale,
                                  dx: itemBlock(dHat, 0), dy: userBlock(dHat, j))
            }
            align *= scale
        } else {
            align = try alignmentForward(x: userBlock(hat, 0), y: itemBlock(hat, 0), rows: b, width: d)
            alignmentBackward(x: userBlock(hat, 0), y: itemBlock(hat, 0), rows: b, width: d, upstream: 1,
                              dx: userBlock(dHat, 0), dy: itemBlock(dHat, 0))
        }
        let workspace = pairWorkspace.reserve(uniformityWorkspaceSize(rows: b))
        let unifUser = try uniformityForward(x: userBlock(hat, 0), rows: b, width: d, workspace: workspace)
        uniformityBackward(x: userBlock(hat, 0), rows: b, width: d, workspace: workspace, upstream: gamma, dx: userBlock(dHat, 0))
        let unifItem = try uniformityForward(x: itemBlock(hat, 0), rows: b, width: d, workspace: workspace)
        uniformityBackward(x: itemBlock(hat, 0), rows: b, width: d, workspace: workspace, upstream: gamma, dx: itemBlock(dHat, 0))

        // Back through the normalisation, then scatter rows into d(mean) or d(layer k).
        graph.zeroGradients(perLayer: perLayer)
        let nodes = graph.nodeCount
        for j in 0..<v {
            for side in 0..<2 {
                let ids = side == 0 ? batch.users : batch.items, offset = side == 0 ? 0 : users
                let blockIndex = side * v + j
                dRaw.update(repeating: 0, count: block)
                l2NormalizeBackward(dInput: dRaw, dOutput: dHat + blockIndex * block, output: hat + blockIndex * block,
                                    norms: norms + blockIndex * b, rows: b, channels: d)
                let table = layer(ofView: j).map { graph.layerGradient.pointer + $0 * nodes * d } ?? graph.meanGradient.pointer
                for r in 0..<b {
                    let dst = table + (offset + Int(ids[r])) * d, src = dRaw + r * d
                    for c in 0..<d { dst[c] += src[c] }
                }
            }
        }
        graph.backward(gradients: g, perLayer: perLayer)
        return (align, unifUser, unifItem)
    }

    /// Stock LightGCN's loss: mean_b −log(1e-10 + σ(u_b·i_b − u_b·j_b)) on the layer-mean rows, plus
    /// 1e-5 · (‖E_u[u]‖ + ‖E_i[i]‖ + ‖E_i[j]‖) / B on the ego rows (RecBole's EmbLoss with
    /// require_pow = False: Frobenius norms of the whole [B, d] blocks).
    private func bprLoss(_ graph: GraphEncoder<T>, _ batch: GraphBatch, parameters p: UnsafePointer<T>,
                         gradients g: UnsafeMutablePointer<T>) throws -> (T, T) {
        let b = batch.count, d = config.embeddingSize, users = layout.userCount, block = b * d
        guard batch.negatives.count == b else {
            throw GSAUError.invalidArgument("BPR needs one negative per pair (\(batch.negatives.count) for \(b))")
        }
        let rows = graphRaw.reserve(3 * block), dRows = graphHatGradient.reserve(3 * block)
        let u = rows, pos = rows + block, neg = rows + 2 * block
        graph.forward(parameters: p, batch: batch)
        batch.users.withUnsafeBufferPointer { graph.gather(ids: $0.baseAddress!, count: b, nodeOffset: 0, layer: nil, into: u) }
        batch.items.withUnsafeBufferPointer { graph.gather(ids: $0.baseAddress!, count: b, nodeOffset: users, layer: nil, into: pos) }
        batch.negatives.withUnsafeBufferPointer { graph.gather(ids: $0.baseAddress!, count: b, nodeOffset: users, layer: nil, into: neg) }
        dRows.update(repeating: 0, count: 3 * block)
        var loss: T = 0
        let invB = 1 / T(b)
        for r in 0..<b {
            var x: T = 0
            for c in 0..<d { x += u[r * d + c] * (pos[r * d + c] - neg[r * d + c]) }
            let sigma = 1 / (1 + T.exp(-x))
            loss -= T.log(1e-10 + sigma)
            let gx = -sigma * (1 - sigma) / (1e-10 + sigma) * invB       // d loss / d x
            for c in 0..<d {
                dRows[r * d + c] += gx * (pos[r * d + c] - neg[r * d + c])
                dRows[block + r * d + c] += gx * u[r * d + c]
                dRows[2 * block + r * d + c] -= gx * u[r * d + c]
            }
        }
        loss *= invB
        // Scatter into d(mean), then back through LightGCN.
        graph.zeroGradients(perLayer: false)
        let dMean = graph.meanGradient.pointer
        for k in 0..<3 {
            let ids = k == 0 ? batch.users : k == 1 ? batch.items : batch.negatives, offset = k == 0 ? 0 : users
            for r in 0..<b {
                let dst = dMean + (offset + Int(ids[r])) * d, src = dRows + k * block + r * d
                for c in 0..<d { dst[c] += src[c] }
            }
        }
        graph.backward(gradients: g, perLayer: false)
        // EmbLoss on the ego rows: d‖E‖/dE = E / ‖E‖.
        let weight = T(ModelConfig.bprRegularization) * invB
        var regularization: T = 0
        for k in 0..<3 {
            let ids = k == 0 ? batch.users : k == 1 ? batch.items : batch.negatives
            let table = k == 0 ? layout.userTable! : layout.itemTable
            var squares: T = 0
            for id in ids { for c in 0..<d { let v = p[table + Int(id) * d + c]; squares += v * v } }
            let norm = T.sqrt(squares)
            regularization += weight * norm
            guard norm > 0 else { continue }
            for id in ids { for c in 0..<d { g[table + Int(id) * d + c] += weight * p[table + Int(id) * d + c] / norm } }
        }
        return (loss, regularization)
    }

    // MARK: sequential side

    private func sequentialLoss(_ encoder: SequenceEncoder<T>, _ batch: SequenceBatch, parameters p: UnsafePointer<T>,
                                gradients g: UnsafeMutablePointer<T>, gamma: T, derangement: [Int32]?,
                                training: Bool, rng: inout RandomGenerator, terms: inout LossTerms,
                                main: inout T, uniform: inout T) throws {
        let b = batch.count, d = config.embeddingSize, items = layout.itemCount
        let table = p + layout.itemTable, tableGradient = g + layout.itemTable
        let h = self.h.reserve(b * d), sHat = self.sHat.reserve(b * d), sNorms = self.sNorms.reserve(b)
        let tRaw = self.tRaw.reserve(b * d), tHat = self.tHat.reserve(b * d), tNorms = self.tNorms.reserve(b)
        let dSHat = self.dSHat.reserve(b * d), dTHat = self.dTHat.reserve(b * d)
        dSHat.update(repeating: 0, count: b * d); dTHat.update(repeating: 0, count: b * d)
        let dH = self.dH.reserve(b * d), dTRaw = self.dTRaw.reserve(b * d)
        dH.update(repeating: 0, count: b * d); dTRaw.update(repeating: 0, count: b * d)

        encoder.forward(parameters: p, batch: batch.inputs, readTokens: batch.readTokens, training: training, rng: &rng, output: h)
        l2NormalizeForward(output: sHat, norms: sNorms, input: h, rows: b, channels: d)
        batch.targets.withUnsafeBufferPointer { targets in
            embeddingForward(output: tRaw, ids: targets.baseAddress!, table: table, count: b, dim: d)
        }
        l2NormalizeForward(output: tHat, norms: tNorms, input: tRaw, rows: b, channels: d)

        switch config.sequentialLoss {
        case .normalizedCrossEntropy, .crossEntropy:
            // GSAU(rec) queries with ŝ (gradient into dŝ), stock SASRec with the raw h (into dh).
            let normalized = config.sequentialLoss == .normalizedCrossEntropy
            let query = normalized ? UnsafePointer(sHat) : UnsafePointer(h), dQuery = normalized ? dSHat : dH
            let logits = self.logits.reserve(b * items)
            matmul(query, table, transB: true, into: logits, m: b, n: items, k: d)          // [B, items]
            if let bias = layout.outputBias { addRowVector(p + bias, to: logits, rows: b, columns: items) }
            let ce = batch.targets.withUnsafeBufferPointer { targets in
                crossEntropyForwardBackward(logits: logits, targets: targets.baseAddress!, rows: b, classes: items,
                                            dLogits: logits, rowLoss: rowLoss.reserve(b))
            }
            if let bias = layout.outputBias { sumRows(of: logits, rows: b, columns: items, into: g + bias) }   // dbias += Σ_rows dlogits
            matmul(logits, table, into: dQuery, m: b, n: d, k: items, beta: 1)             // dq += dlogits · E
            matmul(logits, transA: true, query, into: tableGradient, m: items, n: d, k: b, beta: 1)  // dE += dlogitsᵀ · q
            terms.sequentialCrossEntropy = Double(ce)
            main = ce
        case .alignment:
            let a = try alignmentForward(x: sHat, y: tHat, rows: b, width: d)
            alignmentBackward(x: sHat, y: tHat, rows: b, width: d, upstream: 1, dx: dSHat, dy: dTHat)
            terms.sequentialAlign = Double(a)
            main = a
        }

        if config.sequentialUniformity && b >= 2 {       // (BERT4Rec batches can keep fewer than 2 masked positions)
            uniform = try sequentialUniformity(batch: b, gamma: gamma, derangement: derangement, rng: &rng, terms: &terms)
        }

        // Back through the normalisations into h and the target rows of the item table.
        l2NormalizeBackward(dInput: dH, dOutput: dSHat, output: sHat, norms: sNorms, rows: b, channels: d)
        l2NormalizeBackward(dInput: dTRaw, dOutput: dTHat, output: tHat, norms: tNorms, rows: b, channels: d)
        batch.targets.withUnsafeBufferPointer { targets in
            embeddingBackward(dTable: tableGradient, dOutput: dTRaw, ids: targets.baseAddress!, count: b, dim: d)
        }
        encoder.backward(parameters: p, gradients: g, batch: batch.inputs, dOutput: dH)
    }

    /// γ·(unif(ŝ) + unif(t̂) [+ unif(ŝ, t̂[π])]) on the normalised vectors of the last forward
    /// pass; accumulates into dŝ and dt̂ and returns the weighted sum.
    private func sequentialUniformity(batch b: Int, gamma: T, derangement: [Int32]?, rng: inout RandomGenerator,
                                      terms: inout LossTerms) throws -> T {
        let d = config.embeddingSize
        let sHat = self.sHat.pointer, tHat = self.tHat.pointer, dSHat = self.dSHat.pointer, dTHat = self.dTHat.pointer
        let workspace = pairWorkspace.reserve(uniformityWorkspaceSize(rows: b))
        let unifSeq = try uniformityForward(x: sHat, rows: b, width: d, workspace: workspace)
        uniformityBackward(x: sHat, rows: b, width: d, workspace: workspace, upstream: gamma, dx: dSHat)
        let unifItem = try uniformityForward(x: tHat, rows: b, width: d, workspace: workspace)
        uniformityBackward(x: tHat, rows: b, width: d, workspace: workspace, upstream: gamma, dx: dTHat)
        terms.sequentialUniformSequence = Double(unifSeq)
        terms.sequentialUniformItem = Double(unifItem)
        var sum = unifSeq + unifItem
        if config.userItemUniformity {
            guard let pi = derangement ?? rng.randomDerangement(b) else {
                throw GSAUError.invalidArgument("the u-i uniformity term needs a sequential batch of at least 2 rows")
            }
            guard pi.count == b else { throw GSAUError.invalidArgument("derangement has \(pi.count) entries for \(b) rows") }
            let tPermuted = self.tPermuted.reserve(b * d), dTPermuted = self.dTPermuted.reserve(b * d)
            for r in 0..<b { (tPermuted + r * d).update(from: tHat + Int(pi[r]) * d, count: d) }
            dTPermuted.update(repeating: 0, count: b * d)
            let unifUI = try pairedUniformityForward(x: sHat, y: tPermuted, rows: b, width: d, workspace: workspace)
            pairedUniformityBackward(x: sHat, y: tPermuted, rows: b, width: d, workspace: workspace, upstream: gamma,
                                     dx: dSHat, dy: dTPermuted)
            for r in 0..<b {
                let dst = dTHat + Int(pi[r]) * d, src = dTPermuted + r * d
                for c in 0..<d { dst[c] += src[c] }
            }
            terms.sequentialUniformSequenceVsItem = Double(unifUI)
            sum += unifUI
        }
        return gamma * sum
    }

    /// The sequence vectors h [B, d] of the last step (for tests).
    func lastSequenceOutput(rows: Int) -> [T] { Array(UnsafeBufferPointer(start: h.pointer, count: rows * config.embeddingSize)) }
    /// d(loss)/dh of the last step (for tests).
    func lastSequenceOutputGradient(rows: Int) -> [T] { Array(UnsafeBufferPointer(start: dH.pointer, count: rows * config.embeddingSize)) }
}
