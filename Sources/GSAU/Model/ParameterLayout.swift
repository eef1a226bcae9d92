/// One named tensor inside the flat parameter buffer. Names are the original implementation's
/// `state_dict` keys, so checkpoints and parity fixtures map one to one.
public struct ParameterSlot: Sendable, Equatable {
    public let name: String
    public let offset: Int
    public let shape: [Int]
    public var count: Int { shape.reduce(1, *) }
}

/// Offsets of one post-LN transformer layer's tensors. The query, key and value projections are
/// stored back to back, so together they are one [3d, d] weight and one [3d] bias: a single matrix
/// product yields the q | k | v blocks the attention kernel reads.
struct TransformerLayerOffsets: Sendable, Equatable {
    var qkvWeight = 0, qkvBias = 0          // [3d, d], [3d]
    var outWeight = 0, outBias = 0          // [d, d], [d]
    var attentionNormWeight = 0, attentionNormBias = 0
    var ffnInWeight = 0, ffnInBias = 0      // [inner, d], [inner]
    var ffnOutWeight = 0, ffnOutBias = 0    // [d, inner], [d]
    var ffnNormWeight = 0, ffnNormBias = 0
}

/// Where every parameter lives in the one contiguous buffer (gradients and Adam moments use the
/// same layout). The item table exists once: LightGCN, the SASRec inputs, the targets and the CE
/// output layer all read it, and its gradient is summed from every path.
///
/// The optional offsets are set exactly when the configuration the layout was built from uses
/// that part (the user table for the graph encoder, the position table and embedding norm for the
/// sequential one, the BERT4Rec head for BERT4Rec); the encoders, built from the same
/// configuration, unwrap them only on those paths, so no input reaches a nil there.
public struct ParameterLayout: Sendable, Equatable {
    public private(set) var slots: [ParameterSlot] = []
    public private(set) var count = 0
    let userTable: Int?          // [users, d], graph only
    let itemTable: Int           // [items, d]
    let positionTable: Int?      // [maxLen, d]
    let embeddingNormWeight: Int?, embeddingNormBias: Int?
    let layers: [TransformerLayerOffsets]
    /// BERT4Rec: the mask-token row [1, d], stored right after the item table, so the token id
    /// `itemCount` looks it up as one more table row; scoring reads the first `itemCount` rows only.
    let maskToken: Int?
    /// BERT4Rec output head: Linear(d → d) [d, d] + [d], then LayerNorm [d] + [d].
    let headWeight: Int?, headBias: Int?, headNormWeight: Int?, headNormBias: Int?
    /// Stock BERT4Rec: per-item score bias [items].
    let outputBias: Int?
    public let userCount: Int    // including padding
    public let itemCount: Int    // including padding

    public init(config: ModelConfig, userCount: Int, itemCount: Int) {
        self.userCount = userCount
        self.itemCount = itemCount
        let d = config.embeddingSize, inner = config.innerSize
        var slots: [ParameterSlot] = []
        var next = 0
        func add(_ name: String, _ shape: [Int]) -> Int {
            let slot = ParameterSlot(name: name, offset: next, shape: shape)
            slots.append(slot)
            next += slot.count
            return slot.offset
        }
        userTable = config.useGraph ? add("embedding_layer.user_embedding.weight", [userCount, d]) : nil
        itemTable = add("embedding_layer.item_embedding.weight", [itemCount, d])
        let bert = config.useSequential && config.sequentialEncoder == .bert4rec
        maskToken = bert ? add("sequential_encoder.mask_token", [1, d]) : nil
        var layers: [TransformerLayerOffsets] = []
        if config.useSequential {
            positionTable = add("sequential_encoder.position_embedding.weight", [config.maxSequenceLength, d])
            for l in 0..<config.transformerLayers {
                let p = "sequential_encoder.trm_encoder.layer.\(l)."
                var o = TransformerLayerOffsets()
                o.qkvWeight = add(p + "multi_head_attention.query.weight", [d, d])
                _ = add(p + "multi_head_attention.key.weight", [d, d])
                _ = add(p + "multi_head_attention.value.weight", [d, d])
                o.qkvBias = add(p + "multi_head_attention.query.bias", [d])
                _ = add(p + "multi_head_attention.key.bias", [d])
                _ = add(p + "multi_head_attention.value.bias", [d])
                o.outWeight = add(p + "multi_head_attention.dense.weight", [d, d])
                o.outBias = add(p + "multi_head_attention.dense.bias", [d])
                o.attentionNormWeight = add(p + "multi_head_attention.LayerNorm.weight", [d])
                o.attentionNormBias = add(p + "multi_head_attention.LayerNorm.bias", [d])
                o.ffnInWeight = add(p + "feed_forward.dense_1.weight", [inner, d])
                o.ffnInBias = add(p + "feed_forward.dense_1.bias", [inner])
                o.ffnOutWeight = add(p + "feed_forward.dense_2.weight", [d, inner])
                o.ffnOutBias = add(p + "feed_forward.dense_2.bias", [d])
                o.ffnNormWeight = add(p + "feed_forward.LayerNorm.weight", [d])
                o.ffnNormBias = add(p + "feed_forward.LayerNorm.bias", [d])
                layers.append(o)
            }
            embeddingNormWeight = add("sequential_encoder.LayerNorm.weight", [d])
            embeddingNormBias = add("sequential_encoder.LayerNorm.bias", [d])
        } else {
            positionTable = nil; embeddingNormWeight = nil; embeddingNormBias = nil
        }
        if bert {
            headWeight = add("sequential_encoder.output_ffn.weight", [d, d])
            headBias = add("sequential_encoder.output_ffn.bias", [d])
            headNormWeight = add("sequential_encoder.output_ln.weight", [d])
            headNormBias = add("sequential_encoder.output_ln.bias", [d])
        } else {
            headWeight = nil; headBias = nil; headNormWeight = nil; headNormBias = nil
        }
        outputBias = bert && config.usesOutputBias ? add("sequential_encoder.output_bias", [itemCount]) : nil
        self.layers = layers
        self.slots = slots
        self.count = next
    }

    public func slot(named name: String) -> ParameterSlot? { slots.first { $0.name == name } }

    /// Fills `values` as the original does after `xavier_normal_initialization` (docs/MODEL.md §3.2):
    /// every embedding and linear weight ~ N(0, 2 / (fan_in + fan_out)) (PAD rows included),
    /// linear biases 0, LayerNorm weights 1 and biases 0. With `.normal002` (stock SASRec) the
    /// weights are N(0, 0.02) instead. The BERT4Rec mask-token row, which the original leaves as
    /// uninitialised memory (docs/MODEL.md §8.1), is drawn like one more item-table row.
    func initialize<T: GSAUScalar>(_ values: UnsafeMutablePointer<T>, rng: inout RandomGenerator,
                                   scheme: Initialization = .xavierNormal) {
        for slot in slots {
            let p = values + slot.offset
            if slot.name.hasSuffix("LayerNorm.weight") || slot.name.hasSuffix("output_ln.weight") {
                p.update(repeating: 1, count: slot.count)
            } else if slot.shape.count == 1 {
                p.update(repeating: 0, count: slot.count)
            } else {
                // Embedding (n, d): fan_in = d, fan_out = n. Linear (out, in): fan_in = in, fan_out = out.
                let rows = slot.offset == maskToken ? itemCount : slot.shape[0]
                let fans = Double(rows + slot.shape[1])
                switch scheme {
                case .xavierNormal:
                    let std = (2 / fans).squareRoot()
                    for i in 0..<slot.count { p[i] = T(rng.nextNormal() * std) }
                case .normal002:
                    for i in 0..<slot.count { p[i] = T(rng.nextNormal() * 0.02) }
                case .xavierUniform:
                    let bound = (6 / fans).squareRoot()
                    for i in 0..<slot.count { p[i] = T((2 * rng.nextUniform() - 1) * bound) }
                }
            }
        }
    }
}
