/// The LightGCN encoder (docs/MODEL.md §3.4): full-graph propagation over the normalised training
/// adjacency each step, layer mean, and the backward pass into the user and item tables.
final class GraphEncoder<T: GSAUScalar> {
    let adjacency: CSRMatrix<T>
    let userCount: Int, itemCount: Int, width: Int, layerCount: Int
    let layout: ParameterLayout
    /// Layers 0...K ([K+1, N, d]) and their mean ([N, d]) of the last forward pass; users first.
    private(set) var workspace: LightGCNWorkspace<T>
    /// d(loss)/d(mean) and, for per-layer losses, d(loss)/d(layer k) ([K+1, N, d]).
    let meanGradient: ScratchBuffer<T>
    let layerGradient: ScratchBuffer<T>
    /// The node ids the current training step reads (batch users, items, negatives), each once.
    private var rows: [Int32] = []
    private var listed: [Bool]

    var nodeCount: Int { userCount + itemCount }

    /// Builds Â from the training edges (user, item) of the split.
    init(config: ModelConfig, layout: ParameterLayout, trainUsers: [Int32], trainItems: [Int32]) throws {
        userCount = layout.userCount; itemCount = layout.itemCount
        width = config.embeddingSize; layerCount = config.graphLayers
        self.layout = layout
        adjacency = try normalizedAdjacency(userIds: trainUsers, itemIds: trainItems,
                                            userCount: userCount, itemCount: itemCount, as: T.self)
        workspace = LightGCNWorkspace(userCount: userCount, itemCount: itemCount, width: width, layerCount: layerCount)
        meanGradient = ScratchBuffer((userCount + itemCount) * width)
        layerGradient = ScratchBuffer(config.alignPerLayer ? (layerCount + 1) * (userCount + itemCount) * width : 0)
        listed = [Bool](repeating: false, count: userCount + itemCount)
        // LightGCN reads [E_user; E_item] as one [N, d] matrix: the layout puts the tables back to back.
        assert(layout.itemTable == layout.userTable! + userCount * width)
    }

    /// Propagates for a training step whose losses read the rows of `batch` (users, items and
    /// negatives): afterwards `mean` and every `layer(k)` hold those rows (layers 1 ..< K hold all rows).
    func forward(parameters p: UnsafePointer<T>, batch: GraphBatch) {
        rows.removeAll(keepingCapacity: true)
        func list(_ ids: [Int32], offset: Int32) {
            for id in ids where !listed[Int(offset + id)] { listed[Int(offset + id)] = true; rows.append(offset + id) }
        }
        list(batch.users, offset: 0)
        list(batch.items, offset: Int32(userCount))
        list(batch.negatives, offset: Int32(userCount))
        for r in rows { listed[Int(r)] = false }
        let (n, d, k) = (nodeCount, width, layerCount)
        let adjacency = self.adjacency
        rows.withUnsafeBufferPointer { rows in
            workspace.layers.withUnsafeMutableBufferPointer { layers in
                workspace.mean.withUnsafeMutableBufferPointer { mean in
                    lightGCNForward(adjacency: adjacency, ego: p + layout.userTable!, nodeCount: n, width: d, layerCount: k,
                                    rows: rows, layers: layers.baseAddress!, mean: mean.baseAddress!)
                }
            }
        }
    }

    /// out[b] = row `nodeOffset + ids[b]` of the mean table (layer == nil) or of layer k
    /// (users are nodes 0..<U, items U + j). The backward is `embeddingBackward` on
    /// `meanGradient` (or layer k of `layerGradient`) offset by `nodeOffset` rows.
    func gather(ids: UnsafePointer<Int32>, count: Int, nodeOffset: Int, layer: Int?,
                into out: UnsafeMutablePointer<T>) {
        let d = width, n = nodeCount
        if let k = layer {
            workspace.layers.withUnsafeBufferPointer {
                embeddingForward(output: out, ids: ids, table: $0.baseAddress! + (k * n + nodeOffset) * d, count: count, dim: d)
            }
        } else {
            workspace.mean.withUnsafeBufferPointer {
                embeddingForward(output: out, ids: ids, table: $0.baseAddress! + nodeOffset * d, count: count, dim: d)
            }
        }
    }

    /// Clears the gradient buffers before a step's losses write into them.
    func zeroGradients(perLayer: Bool) {
        meanGradient.zero(nodeCount * width)
        if perLayer { layerGradient.zero((layerCount + 1) * nodeCount * width) }
    }

    /// Back-propagates `meanGradient` (and `layerGradient` when `perLayer`), written at the rows of
    /// the last training forward only, into the tables' gradients.
    func backward(gradients g: UnsafeMutablePointer<T>, perLayer: Bool) {
        let (n, d, k) = (nodeCount, width, layerCount)
        let adjacency = self.adjacency
        rows.withUnsafeBufferPointer { rows in
            workspace.scratch.withUnsafeMutableBufferPointer { scratch in
                lightGCNBackward(adjacency: adjacency, meanGradient: meanGradient.pointer,
                                 layerGradients: perLayer ? UnsafePointer(layerGradient.pointer) : nil, rows: rows,
                                 nodeCount: n, width: d, layerCount: k, scratch: scratch.baseAddress!,
                                 egoGradient: g + layout.userTable!)
            }
        }
    }
}
