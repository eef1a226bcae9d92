// The graph side of the objective (docs/MODEL.md §4.2, §4.3, §4.6).
extension GSAUObjective {
    func graphLoss(_ graph: GraphEncoder<T>, _ batch: GraphBatch, parameters p: UnsafePointer<T>,
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
                ids.withUnsafeBufferPointer {
                    embeddingBackward(dTable: table + offset * d, dOutput: dRaw, ids: $0.baseAddress!, count: b, dim: d)
                }
            }
        }
        graph.backward(gradients: g, perLayer: perLayer)
        return (align, unifUser, unifItem)
    }

    /// Stock LightGCN's loss: mean_b −log(1e-10 + σ(u_b·i_b − u_b·j_b)) on the layer-mean rows, plus
    /// 1e-5 · (‖E_u[u]‖ + ‖E_i[i]‖ + ‖E_i[j]‖) / B on the ego rows (RecBole's EmbLoss with
    /// require_pow = False: Frobenius norms of the whole [B, d] blocks).
    func bprLoss(_ graph: GraphEncoder<T>, _ batch: GraphBatch, parameters p: UnsafePointer<T>,
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
        let sigma = graphNorms.reserve(b)                        // BPR's σ per row
        let loss = try bprForward(user: u, positive: pos, negative: neg, rows: b, width: d, workspace: sigma)
        bprBackward(user: u, positive: pos, negative: neg, rows: b, width: d, workspace: sigma, upstream: 1,
                    dUser: dRows, dPositive: dRows + block, dNegative: dRows + 2 * block)
        // Scatter into d(mean), then back through LightGCN.
        graph.zeroGradients(perLayer: false)
        let dMean = graph.meanGradient.pointer
        let sides = [(batch.users, 0), (batch.items, users), (batch.negatives, users)]
        for (k, (ids, offset)) in sides.enumerated() {
            ids.withUnsafeBufferPointer {
                embeddingBackward(dTable: dMean + offset * d, dOutput: dRows + k * block, ids: $0.baseAddress!, count: b, dim: d)
            }
        }
        graph.backward(gradients: g, perLayer: false)
        // EmbLoss on the ego rows of the same ids (docs/MODEL.md §4.6).
        let weight = T(ModelConfig.bprRegularization) * (1 / T(b))
        var regularization: T = 0
        guard let userTable = layout.userTable else { throw GSAUError.invalidArgument("BPR needs the user table") }
        for (ids, table) in [(batch.users, userTable), (batch.items, layout.itemTable), (batch.negatives, layout.itemTable)] {
            ids.withUnsafeBufferPointer { ids in
                let (term, norm) = embLossForward(table: p + table, ids: ids.baseAddress!, count: b, width: d, weight: weight)
                regularization += term
                embLossBackward(table: p + table, ids: ids.baseAddress!, count: b, width: d, weight: weight, norm: norm,
                                upstream: 1, dTable: g + table)
            }
        }
        return (loss, regularization)
    }
}
