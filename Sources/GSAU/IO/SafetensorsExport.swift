// Exporting a model's scoring tables in safetensors format (docs/CHECKPOINT.md, "Export"): the
// vectors score(u, i) is computed from, readable by numpy or PyTorch without gsau. Not a
// checkpoint: nothing can be trained or loaded from it.

/// A minimal safetensors writer (the format of https://github.com/huggingface/safetensors):
///
///   u64 N (little-endian) | N bytes: UTF-8 JSON header | the data
///
/// The header maps each tensor name to {"dtype", "shape", "data_offsets": [begin, end]} (byte
/// offsets into the data, which the tensors cover back to back, without holes, in the order
/// given) and "__metadata__" to a string → string map. The header is padded with trailing spaces
/// (the format allows them) so the data starts at a multiple of 8 bytes from the file's start.
enum Safetensors {
    /// An F32 tensor, row-major.
    struct Tensor {
        let name: String
        let shape: [Int]
        let values: [Float]
    }

    /// The largest header the reference reader accepts (its MAX_HEADER_SIZE): a file with a larger
    /// header would be valid but unreadable by the `safetensors` package, so it is not written.
    static let maximumHeaderSize = 100_000_000
    /// Where the data starts, relative to the file's start: a multiple of this many bytes.
    static let dataAlignment = 8

    /// The file's bytes. Throws `invalidArgument` for a tensor whose values do not fill its shape,
    /// a repeated or reserved name, or a header over `maximumHeaderSize`.
    static func encode(_ tensors: [Tensor], metadata: [(String, String)]) throws -> [UInt8] {
        var fields: [(String, JSON)] = [("__metadata__", .object(metadata.map { ($0.0, .string($0.1)) }))]
        var names = Set<String>(), offset = 0
        for t in tensors {
            guard t.name != "__metadata__", names.insert(t.name).inserted else {
                throw GSAUError.invalidArgument("safetensors: tensor name '\(t.name)' is reserved or repeated")
            }
            guard t.shape.allSatisfy({ $0 >= 0 }), t.shape.reduce(1, *) == t.values.count else {
                throw GSAUError.invalidArgument("safetensors: tensor '\(t.name)' has shape \(t.shape) but \(t.values.count) values")
            }
            let end = offset + 4 * t.values.count
            fields.append((t.name, .object([("dtype", .string("F32")),
                                            ("shape", .array(t.shape.map { .int($0) })),
                                            ("data_offsets", .array([.int(offset), .int(end)]))])))
            offset = end
        }
        var header = Array(JSON.object(fields).serialized(indent: 0).utf8)
        header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (dataAlignment - header.count % dataAlignment) % dataAlignment))
        guard header.count <= maximumHeaderSize else {
            throw GSAUError.invalidArgument("safetensors: the header (tensor table and metadata, here mostly the id lists) would be \(header.count) bytes; safetensors readers accept at most \(maximumHeaderSize)")
        }
        var w = ByteWriter()
        w.reserve(8 + header.count + offset)
        w.size(header.count)
        w.append(header)
        for t in tensors { w.float32s(t.values) }
        return w.bytes
    }
}

/// The export of a model's scoring tables (docs/CHECKPOINT.md, "Export").
public enum ScoringExport {
    /// The `format` entry of the metadata.
    public static let format = "gsau-export-1"
    /// The id listed for the padding row 0 in `user_ids` and `item_ids`: the empty string, which is
    /// never a real id (every reader refuses empty ids), unlike "[PAD]".
    public static let paddingID = ""
}

extension QueryEngine {
    /// The scoring tables as a safetensors file (docs/CHECKPOINT.md, "Export"): F32 tensors
    /// `item_vectors` [itemCount, w] (`itemVectors()`), `user_vectors` [users, w] (`userVectors()`,
    /// row 0 zeros) and, for variants with an output bias, `item_bias` [itemCount] (`itemBias()`),
    /// so that score(u, i) = user_vectors[u] · item_vectors[i] (+ item_bias[i]); the metadata lists
    /// the raw ids in dense-index order (`user_ids`, `item_ids`: JSON arrays, index 0 = "") and
    /// describes the model (`format`, `gsau_version`, `variant`, `embedding_size`, `vector_width` w
    /// (d, or 2d with score fusion, docs/MODEL.md §7.5), `graph_score_weight`, `predicts_with_graph`, `score`).
    public func scoringTablesSafetensors() throws -> [UInt8] {
        let d = scorer.width
        var tensors = [Safetensors.Tensor(name: "item_vectors", shape: [layout.itemCount, d], values: itemVectors()),
                       Safetensors.Tensor(name: "user_vectors", shape: [dataset.users.count, d], values: userVectors())]
        let bias = itemBias()
        if let bias { tensors.append(Safetensors.Tensor(name: "item_bias", shape: [layout.itemCount], values: bias)) }
        func idList(_ map: IDMap) -> String {
            JSON.array([.string(ScoringExport.paddingID)] + map.tokens.dropFirst().map { .string($0) }).serialized(indent: 0)
        }
        let metadata: [(String, String)] = [
            ("format", ScoringExport.format),
            ("gsau_version", GSAUVersion.string),
            ("variant", config.variant.rawValue),
            ("embedding_size", "\(config.embeddingSize)"),
            ("vector_width", "\(d)"),
            ("graph_score_weight", "\(config.graphScoreWeight)"),
            ("predicts_with_graph", predictsWithGraph ? "true" : "false"),
            ("score", "user_vectors[u] . item_vectors[i]" + (bias == nil ? "" : " + item_bias[i]")),
            ("user_ids", idList(dataset.users)),
            ("item_ids", idList(dataset.items)),
        ]
        return try Safetensors.encode(tensors, metadata: metadata)
    }

    /// Writes `scoringTablesSafetensors()` to `path` atomically (`writeFileAtomically`: on failure
    /// an existing file there is left as it was).
    public func exportScoringTables(to path: String) throws {
        try writeFileAtomically(path, bytes: try scoringTablesSafetensors())
    }
}

extension GSAUModel {
    /// See `QueryEngine.exportScoringTables(to:)` (builds an engine: for graph-scored models one
    /// LightGCN propagation).
    public func exportScoringTables(to path: String) throws {
        try QueryEngine(model: self).exportScoringTables(to: path)
    }
}
