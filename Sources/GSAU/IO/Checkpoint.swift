// GSAU checkpoint format, version 2 (docs/CHECKPOINT.md is the same specification with tables).
//
// A checkpoint is one file: a fixed preamble, a binary header, zero padding to a 64-byte
// boundary, one contiguous tensor blob and a CRC32C trailer. Everything is little-endian; no code
// runs on load (unlike pickled PyTorch checkpoints) and nothing is parsed but the fields below.
//
//   offset      size  field
//   0           4     magic "GSAU" (47 53 41 55)
//   4           4     u32 format_version = 2 (1 is still read)
//   8           4     u32 flags = 0 (no flags are defined in versions 1 and 2)
//   12          8     u64 header_length H (bytes of header; H <= 1 GiB)
//   20          H     header (below)
//   20+H        P     zero bytes, P = (64 - (20 + H) % 64) % 64
//   B = 20+H+P  L     tensor blob: every parameter tensor as F32, back to back, in table order
//   B+L         4     u32 CRC32C (Castagnoli) of bytes [0, B+L)
//   file size = B + L + 4, exactly.
//
// Header primitives: str = u32 byte length n + n bytes of UTF-8 (no terminator); bool = u8 0|1;
// int = i64; uint = u64; f64 = IEEE-754 binary64. The header is three sections in this order:
//
//   1. config
//      u32 field_count = 29 (version 1: 26)
//      field_count × { str name; u8 type (1 bool, 2 int, 3 uint, 4 f64, 5 str); value }
//      Version 2 has exactly these fields, in this order (ModelConfig's declaration order;
//      enums by raw value): variant:str, use_graph:bool, use_sequential:bool,
//      sequential_loss:str, sequential_uniformity:bool, user_item_uniformity:bool,
//      predict_with_graph:bool, align_per_layer:bool, gamma:f64, initialization:str,
//      sequential_encoder:str, mask_ratio:f64, finetune_ratio:f64 (these three are new in
//      version 2; a version-1 file lacks them and loads with sasrec, 0.2, 0.5),
//      embedding_size:int, transformer_layers:int, graph_layers:int, heads:int, inner_size:int,
//      hidden_dropout:f64, attention_dropout:f64, layer_norm_eps:f64, max_sequence_length:int,
//      batch_size:int, learning_rate:f64, beta1:f64, beta2:f64, adam_epsilon:f64,
//      weight_decay:f64, seed:uint.
//   2. dataset (id maps and chronological histories; padding id 0 is implicit)
//      str  path            the interaction file the model was trained on (provenance only)
//      str  format          "sequence" | "atomic" | "csv"
//      u64  U               real users;  U × str user tokens, dense ids 1...U
//      u64  I               real items;  I × str item tokens, dense ids 1...I
//      u64  N               interactions
//      (U + 2) × u64        offsets: user u's items are items[offsets[u] ..< offsets[u+1]]
//      N × i32              items (dense item ids), each user's oldest first
//   3. tensors
//      u64  blob_length L
//      u32  tensor_count
//      tensor_count × { str name; u32 dtype (1 = F32); u32 rank; rank × u64 dims;
//                       u64 offset (bytes from the blob start); u64 byte_length }
//   The header ends exactly after the last tensor entry.
//
// The tensors are `ParameterLayout.slots`: names are the original implementation's state_dict
// keys, shapes follow from the config and the id-map sizes, and the blob is the model's flat
// parameter buffer. Checkpoints store inference state only (no Adam moments; a run resumes from
// its training-state file, Training/TrainingState.swift).
//
// Validation on load, in order; each failure throws naming the source and the failing field:
//  - size >= 24, else corruptFile "file too short";
//  - magic, else corruptFile "magic";
//  - format_version 1 or 2, else versionMismatch; flags == 0, else versionMismatch (unknown features);
//  - CRC32C of [0, size-4) equals the trailer, else corruptFile "checksum mismatch";
//  - header_length <= 1 GiB and 20 + header_length + 4 <= size;
//  - config: exact field count, names, order and types; bools 0|1; known enum raw values;
//    finite floats; integer limits (embedding_size <= 65536, transformer_layers <= 1024,
//    graph_layers <= 64, heads <= 65536, inner_size <= 2^20, max_sequence_length <= 2^20,
//    batch_size <= 2^24: some sizes are bounded by no tensor yet size query buffers);
//    `ModelConfig.validate()`;
//  - dataset: known format; U, I >= 1 and U + I + 2 <= Int32.max; counts checked against the
//    bytes left before anything is allocated; tokens non-empty, valid UTF-8, unique per map;
//    offsets start 0, 0, never decrease, end at N; every user has >= 3 items; items in 1...I;
//  - tensors: blob_length consistent with the file size (20 + H + P + L + 4 == size, checked
//    arithmetic) and with the parameter count the config and id maps imply; the table equals the
//    rebuilt layout exactly (count, names, dtype F32, ranks, dims, contiguous offsets from 0,
//    byte lengths); no bytes after the table; zero padding;
//  - every tensor value is finite.
// All size and offset arithmetic is overflow-checked, so no byte sequence traps or over-reads.
// Saving refuses what loading would refuse (non-finite parameters or config values, integers
// over the limits) and is atomic (`writeFileAtomically`).
//
// Versioning: a reader accepts exactly the versions it knows (here 1) and rejects the rest with
// versionMismatch; any change to the preamble, header or blob layout bumps format_version; flag
// bits announce optional content (e.g. optimizer state) and unknown bits are rejected. Writers
// always write the newest version.

/// Constants and the shared codec of the checkpoint format (see the comment above).
enum Checkpoint {
    static let magic: [UInt8] = Array("GSAU".utf8)
    static let formatVersion: UInt32 = 2
    /// Versions this reader accepts: 1 lacks the BERT4Rec fields, which then keep their defaults.
    static let readableVersions: ClosedRange<UInt32> = 1...2
    static let preambleSize = 20
    static let trailerSize = 4
    static let blobAlignment = 64
    static let maxHeaderLength = 1 << 30
    /// LightGCN depth allowed on load: its workspace is (graph_layers + 1) × the embedding tables.
    static let maxGraphLayers = 64

    static let maxTensorNameBytes = 1024
    static let float32Code: UInt32 = 1

    /// Zero bytes between the header's end and the 64-byte-aligned blob.
    static func padding(afterHeaderEnd end: Int) -> Int { (blobAlignment - end % blobAlignment) % blobAlignment }

    static func hex(_ v: UInt32) -> String {
        let digits = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    // MARK: writing

    /// Everything a checkpoint holds, as plain values. `encoded()` writes them without judging
    /// them (tests build invalid files this way, with a valid checksum); `GSAUModel.serialized()`
    /// checks the model first.
    struct Contents {
        var config: ModelConfig
        var datasetPath: String
        var datasetFormat: String
        /// Raw ids of dense ids 1, 2, ... (padding excluded).
        var userTokens: [String]
        var itemTokens: [String]
        var offsets: [Int]
        var sequence: [Int32]
        var tensors: [ParameterSlot]
        var parameters: [Float]
        /// The format version to write (tests write older versions to check they still load).
        var version = Checkpoint.formatVersion

        init(model: GSAUModel) {
            config = model.config
            datasetPath = model.dataset.path
            datasetFormat = model.dataset.format.rawValue
            userTokens = Array(model.dataset.users.tokens.dropFirst())
            itemTokens = Array(model.dataset.items.tokens.dropFirst())
            offsets = model.dataset.offsets
            sequence = model.dataset.sequence
            tensors = model.layout.slots
            parameters = model.parameters
        }

        func encoded() throws -> [UInt8] {
            var w = ByteWriter()
            let tokenBytes = (userTokens + itemTokens).reduce(0) { $0 + 4 + $1.utf8.count }
            w.reserve(Checkpoint.preambleSize + 1024 + tokenBytes + 8 * offsets.count + 4 * sequence.count
                      + 128 * tensors.count + Checkpoint.blobAlignment + 4 * parameters.count + Checkpoint.trailerSize)
            w.append(Checkpoint.magic)
            w.u32(version)
            w.u32(0)                                   // flags
            w.u64(0)                                   // header_length, patched below

            // 1. config
            let fields = ConfigSchema.fields(inFormatVersion: version)
            w.u32(UInt32(fields.count))
            for field in fields {
                try w.string(field.name, field: "config field name")
                let value = field.value(in: config)
                w.u8(field.kind.rawValue)
                switch value {
                case .bool(let b): w.u8(b ? 1 : 0)
                case .int(let i): w.i64(Int64(i))
                case .uint(let u): w.u64(u)
                case .float(let x): w.f64(x)
                case .string(let s): try w.string(s, field: "config.\(field.name)")
                }
            }

            // 2. dataset
            try w.string(datasetPath, field: "dataset path")
            try w.string(datasetFormat, field: "dataset format")
            w.u64(UInt64(userTokens.count))
            for t in userTokens { try w.string(t, field: "user id '\(t.prefix(32))'") }
            w.u64(UInt64(itemTokens.count))
            for t in itemTokens { try w.string(t, field: "item id '\(t.prefix(32))'") }
            w.u64(UInt64(sequence.count))
            for o in offsets { w.u64(UInt64(bitPattern: Int64(o))) }
            w.int32s(sequence)

            // 3. tensors
            w.u64(UInt64(parameters.count) &* 4)
            w.u32(UInt32(truncatingIfNeeded: tensors.count))
            for slot in tensors {
                try w.string(slot.name, field: "tensor name")
                w.u32(Checkpoint.float32Code)
                w.u32(UInt32(truncatingIfNeeded: slot.shape.count))
                for dim in slot.shape { w.u64(UInt64(bitPattern: Int64(dim))) }
                w.u64(UInt64(bitPattern: Int64(slot.offset &* 4)))
                w.u64(UInt64(bitPattern: Int64(slot.count &* 4)))
            }

            let headerLength = w.count - Checkpoint.preambleSize
            guard headerLength <= Checkpoint.maxHeaderLength else {
                throw GSAUError.invalidArgument("the checkpoint header would be \(headerLength) bytes, over the \(Checkpoint.maxHeaderLength)-byte limit of format version \(Checkpoint.formatVersion)")
            }
            w.patchU64(at: 12, UInt64(headerLength))
            w.zeros(Checkpoint.padding(afterHeaderEnd: w.count))
            w.float32s(parameters)
            w.u32(CRC32C.checksum(w.bytes))
            return w.bytes
        }
    }

    // MARK: reading

    /// A validated checkpoint: the parts `GSAUModel` is built from.
    struct Decoded {
        let config: ModelConfig
        let dataset: Dataset
        let layout: ParameterLayout
        let parameters: [Float]
    }

    static func decode(_ bytes: [UInt8], source: String) throws -> Decoded {
        func corrupt(_ message: String) -> GSAUError { GSAUError.corruptFile(path: source, message: message) }
        let size = bytes.count
        let minimum = preambleSize + trailerSize

        // Preamble.
        guard size >= minimum else {
            throw corrupt("file too short: \(size) bytes; a checkpoint has at least \(minimum) (a \(preambleSize)-byte preamble and a \(trailerSize)-byte checksum)")
        }
        guard bytes[0..<4].elementsEqual(magic) else {
            let found = bytes[0..<4].map { b -> String in let h = String(b, radix: 16); return h.count == 1 ? "0" + h : h }
            throw corrupt("magic: expected 'GSAU' (47 53 41 55), found \(found.joined(separator: " ")); not a GSAU checkpoint")
        }
        var preamble = ByteReader(bytes, range: 4..<preambleSize, source: source)
        let version = try preamble.u32("format_version")
        guard readableVersions.contains(version) else {
            throw GSAUError.versionMismatch("\(source): checkpoint format version \(version); this library reads versions \(readableVersions.lowerBound) to \(readableVersions.upperBound) (load it with the library that wrote it, or retrain)")
        }
        let flags = try preamble.u32("flags")
        guard flags == 0 else {
            throw GSAUError.versionMismatch("\(source): flags \(hex(flags)) announce features unknown to format version \(version), which defines none")
        }
        let headerField = try preamble.u64("header_length")

        // Checksum of everything but the trailer: accidental damage is reported as such.
        let stored = UInt32(littleEndian: bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: size - trailerSize, as: UInt32.self) })
        let computed = CRC32C.checksum(bytes, range: 0..<(size - trailerSize))
        guard stored == computed else {
            throw corrupt("checksum mismatch: stored CRC32C \(hex(stored)), computed \(hex(computed)) over the first \(size - trailerSize) bytes; the file was damaged or truncated after it was written")
        }
        guard headerField <= UInt64(maxHeaderLength), Int(headerField) <= size - minimum else {
            throw corrupt("header_length: \(headerField) bytes does not fit (limit \(maxHeaderLength), file of \(size) bytes)")
        }
        let headerLength = Int(headerField)
        let headerEnd = preambleSize + headerLength
        var r = ByteReader(bytes, range: preambleSize..<headerEnd, source: source)

        // 1. config
        let fields = ConfigSchema.fields(inFormatVersion: version)
        let fieldCount = try r.u32("config.field_count")
        guard fieldCount == fields.count else {
            throw r.error("config.field_count", "\(fieldCount), expected \(fields.count) for format version \(version)")
        }
        var config = ModelConfig()
        for (k, field) in fields.enumerated() {
            let name = try r.string("config field \(k) name", maxBytes: 64)
            guard name == field.name else {
                throw r.error("config field \(k)", "named '\(name)', expected '\(field.name)'")
            }
            let f = "config.\(name)"
            let code = try r.u8(f + " type")
            guard code == field.kind.rawValue else {
                throw r.error(f, "type code \(code), expected \(field.kind.rawValue) (\(field.kind.name))")
            }
            let value: ConfigValue
            switch field.kind {
            case .bool:
                let b = try r.u8(f)
                guard b <= 1 else { throw r.error(f, "boolean byte \(b), expected 0 or 1") }
                value = .bool(b == 1)
            case .int:
                let i = try r.i64(f)
                guard let n = Int(exactly: i) else { throw r.error(f, "\(i) does not fit an Int") }
                value = .int(n)
            case .uint: value = .uint(try r.u64(f))
            case .float: value = .float(try r.f64(f))
            case .string: value = .string(try r.string(f, maxBytes: 256))
            }
            if let problem = field.set(&config, value) { throw r.error(f, problem) }
        }
        do { try config.validate() } catch GSAUError.invalidArgument(let m) { throw r.error("config", m) }

        // 2. dataset
        let datasetPath = try r.string("dataset.path")
        let formatName = try r.string("dataset.format", maxBytes: 64)
        guard let format = DataFormat(rawValue: formatName) else {
            throw r.error("dataset.format", "unknown format '\(formatName)' (known: \(DataFormat.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        func tokens(_ what: String) throws -> IDMap {
            let count = try r.size("dataset.\(what)_count")
            guard count >= 1, count < Int(Int32.max) else {
                throw r.error("dataset.\(what)_count", "\(count), expected 1..<\(Int32.max)")
            }
            guard count <= r.remaining / 5 else {         // each token takes >= 5 bytes
                throw r.error("dataset.\(what)_count", "\(count) ids cannot fit in the \(r.remaining) header bytes left")
            }
            var list: [String] = []
            list.reserveCapacity(count)
            for k in 0..<count {
                let t = try r.string("dataset.\(what)_tokens[\(k)]")
                guard !t.isEmpty else { throw r.error("dataset.\(what)_tokens[\(k)]", "empty id") }
                list.append(t)
            }
            do { return try IDMap(tokens: list) } catch GSAUError.invalidArgument(let m) { throw r.error("dataset.\(what)_tokens", m) }
        }
        let users = try tokens("user"), items = try tokens("item")
        let interactions = try r.size("dataset.interaction_count")
        let offsetBytes = try r.take(count: users.count + 1, width: 8, "dataset.offsets")
        var offsets = [Int](repeating: 0, count: users.count + 1)
        for u in 0..<offsets.count {
            let v = UInt64(littleEndian: bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offsetBytes.lowerBound + 8 * u, as: UInt64.self) })
            guard let o = Int(exactly: v) else { throw r.error("dataset.offsets[\(u)]", "\(v) is too large") }
            offsets[u] = o
        }
        let sequence = try r.int32s(count: interactions, "dataset.items")
        let dataset: Dataset
        do {
            dataset = try Dataset(restoring: datasetPath, format: format, users: users, items: items, offsets: offsets, sequence: sequence)
        } catch GSAUError.invalidArgument(let m) {
            throw r.error("dataset histories", m)
        }

        // 3. tensors: the blob must fill the file exactly ...
        let blobLength = try r.size("tensors.blob_length")
        let blobStart = headerEnd + padding(afterHeaderEnd: headerEnd)
        let (blobEnd, overflow1) = blobStart.addingReportingOverflow(blobLength)
        let (expectedSize, overflow2) = blobEnd.addingReportingOverflow(trailerSize)
        guard !overflow1, !overflow2, expectedSize == size else {
            throw r.error("tensors.blob_length", "\(blobLength) bytes at offset \(blobStart) plus the \(trailerSize)-byte checksum does not match the file size \(size)")
        }
        // ... and hold exactly the parameters the config and id maps imply.
        guard !config.useSequential || config.transformerLayers <= blobLength / 4 else {
            throw r.error("config.transformer_layers", "\(config.transformerLayers) layers cannot fit in a \(blobLength)-byte blob")
        }
        guard let bound = parameterBound(config, users: users.count, items: items.count), bound <= Int.max / 4 else {
            throw r.error("config", "tensor sizes implied by the config and id maps overflow 64-bit arithmetic")
        }
        let layout = ParameterLayout(config: config, userCount: users.count, itemCount: items.count)
        guard layout.count * 4 == blobLength else {
            throw r.error("tensors.blob_length", "\(blobLength) bytes, but the config and id maps imply \(layout.count) F32 parameters (\(layout.count * 4) bytes)")
        }
        let tensorCount = try r.u32("tensors.count")
        guard tensorCount == layout.slots.count else {
            throw r.error("tensors.count", "\(tensorCount), expected \(layout.slots.count) for this config")
        }
        for (k, slot) in layout.slots.enumerated() {
            let name = try r.string("tensors[\(k)].name", maxBytes: maxTensorNameBytes)
            guard name == slot.name else {
                throw r.error("tensors[\(k)].name", "'\(name)', expected '\(slot.name)'")
            }
            let f = "tensor '\(name)'"
            let dtype = try r.u32(f + " dtype")
            guard dtype == float32Code else {
                throw r.error(f + " dtype", "code \(dtype); format version \(Checkpoint.formatVersion) stores F32 (code \(float32Code)) only")
            }
            let rank = try r.u32(f + " rank")
            guard rank == slot.shape.count else {
                throw r.error(f + " rank", "\(rank), expected \(slot.shape.count) (shape \(slot.shape))")
            }
            for (j, expected) in slot.shape.enumerated() {
                let dim = try r.u64(f + " shape[\(j)]")
                guard dim == UInt64(expected) else {
                    throw r.error(f + " shape[\(j)]", "\(dim), expected \(expected) (shape \(slot.shape) from the config and id maps)")
                }
            }
            let offset = try r.u64(f + " offset")
            guard offset == UInt64(slot.offset * 4) else {
                throw r.error(f + " offset", "\(offset), expected \(slot.offset * 4) (tensors are stored back to back in table order)")
            }
            let length = try r.u64(f + " byte_length")
            guard length == UInt64(slot.count * 4) else {
                throw r.error(f + " byte_length", "\(length), expected \(slot.count * 4) (\(slot.count) F32 values)")
            }
        }
        guard r.remaining == 0 else {
            throw r.error("header_length", "\(r.remaining) unread bytes after the tensor table (header_length \(headerLength))")
        }
        if let k = (headerEnd..<blobStart).first(where: { bytes[$0] != 0 }) {
            throw corrupt("padding: byte at offset \(k) is \(bytes[k]), expected 0")
        }

        // Values.
        let parameters = decodeFloat32s(bytes, offset: blobStart, count: layout.count)
        if let i = parameters.firstIndex(where: { !$0.isFinite }) {
            let slot = layout.slots.last { $0.offset <= i } ?? layout.slots[0]
            throw corrupt("tensor '\(slot.name)': element \(i - slot.offset) is \(parameters[i]); checkpoints hold finite values only")
        }
        return Decoded(config: config, dataset: dataset, layout: layout, parameters: parameters)
    }

    /// An upper bound on every partial sum `ParameterLayout` computes, or nil on overflow; with it
    /// in range, building the layout cannot trap.
    static func parameterBound(_ c: ModelConfig, users: Int, items: Int) -> Int? {
        var total = 0
        func add(_ a: Int, _ b: Int) -> Bool {
            let (p, o1) = a.multipliedReportingOverflow(by: b)
            let (s, o2) = total.addingReportingOverflow(p)
            total = s
            return !o1 && !o2 && a >= 0 && b >= 0
        }
        let d = c.embeddingSize, inner = c.innerSize
        guard add(users, d), add(items, d) else { return nil }
        if c.useSequential {
            // Per layer: 4 d×d, 2 inner×d, 9 d-vectors, 1 inner-vector (bounded generously).
            let (dd, o1) = d.multipliedReportingOverflow(by: d)
            let (id, o2) = inner.multipliedReportingOverflow(by: d)
            guard !o1, !o2 else { return nil }
            var layer = 0
            for (a, b) in [(4, dd), (2, id), (16, d), (1, inner)] {
                let (p, o3) = a.multipliedReportingOverflow(by: b)
                let (s, o4) = layer.addingReportingOverflow(p)
                guard !o3, !o4 else { return nil }
                layer = s
            }
            guard add(c.maxSequenceLength, d), add(2, d), add(c.transformerLayers, layer) else { return nil }
            // BERT4Rec: mask token, output head (d×d + 3 d-vectors), output bias (items).
            if c.sequentialEncoder == .bert4rec { guard add(d + 4, d), add(items, 1) else { return nil } }
        }
        return total
    }
}

extension GSAUModel {
    /// The checkpoint format version this library writes and reads.
    public static let checkpointFormatVersion = Checkpoint.formatVersion

    /// Writes the model to `path` atomically (a temporary file in the same folder, fsynced, then
    /// renamed over `path`); see docs/CHECKPOINT.md. Throws `numerical` for non-finite parameters
    /// and `io` when the file cannot be written (nothing is left behind).
    public func save(to path: String) throws {
        let bytes = try serialized()
        try writeFileAtomically(path, bytes: bytes)
    }

    /// Reads and validates a checkpoint written by `save(to:)`.
    public static func load(from path: String) throws -> GSAUModel {
        try deserialize(try readFileBytes(path), source: path)
    }

    /// The checkpoint bytes of this model. Throws `numerical` for non-finite parameters and
    /// `invalidArgument` for a configuration the reader would refuse (a non-finite float, an
    /// integer over the reader's limits), so no unloadable file is ever written.
    public func serialized() throws -> [UInt8] {
        do {
            try config.validate()
        } catch GSAUError.invalidArgument(let problem) {
            throw GSAUError.invalidArgument("cannot save the model: config.\(problem)")
        }
        guard parameters.count == layout.count else {
            throw GSAUError.invalidArgument("the model has \(parameters.count) parameters but its layout \(layout.count)")
        }
        if let i = parameters.firstIndex(where: { !$0.isFinite }) {
            let slot = layout.slots.last { $0.offset <= i } ?? layout.slots[0]
            throw GSAUError.numerical("cannot save the model: tensor '\(slot.name)' element \(i - slot.offset) is \(parameters[i]); checkpoints hold finite values only")
        }
        return try Checkpoint.Contents(model: self).encoded()
    }

    /// Builds a model from checkpoint bytes held in memory, validating everything (see
    /// docs/CHECKPOINT.md); `source` names the bytes in error messages. Throws `corruptFile` or
    /// `versionMismatch` for any byte sequence that is not a valid checkpoint, never traps.
    public static func deserialize(_ bytes: [UInt8], source: String) throws -> GSAUModel {
        let d = try Checkpoint.decode(bytes, source: source)
        return GSAUModel(config: d.config, dataset: d.dataset, layout: d.layout, parameters: d.parameters)
    }
}
