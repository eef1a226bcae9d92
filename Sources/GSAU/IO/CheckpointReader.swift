// Reading a checkpoint, validating every field before use (docs/CHECKPOINT.md, "Validation on load").

extension Checkpoint {
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
        // Memory: each part is counted, and checked against `MemoryLimit`, once its size is read
        // from the header and found to fit the file, before it is allocated.
        var need = ByteCount()
        need.add(size, width: 1)
        func reserve(_ count: Int, width: Int, _ part: String) throws {
            need.add(count, width: width)
            try MemoryLimit.check(need: need.value, for: "loading \(source)", counting: "the file's bytes and its decoded \(part) so far")
        }

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
        var holdOut = HoldOut.leaveOneOut                 // versions 1 and 2 know no other
        if version >= 3 {
            let name = try r.string("dataset.hold_out", maxBytes: 64)
            guard let mode = HoldOut(rawValue: name) else {
                throw r.error("dataset.hold_out", "unknown hold-out '\(name)' (known: \(HoldOut.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            holdOut = mode
        }
        func tokens(_ what: String) throws -> IDMap {
            let count = try r.size("dataset.\(what)_count")
            guard count >= 1, count < Int(Int32.max) else {
                throw r.error("dataset.\(what)_count", "\(count), expected 1..<\(Int32.max)")
            }
            guard count <= r.remaining / 5 else {         // each token takes >= 5 bytes
                throw r.error("dataset.\(what)_count", "\(count) ids cannot fit in the \(r.remaining) header bytes left")
            }
            try reserve(count, width: bytesPerID, "ids")
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
        guard interactions <= r.remaining / 4 else {
            throw r.error("dataset.interaction_count", "\(interactions) interactions cannot fit in the \(r.remaining) header bytes left")
        }
        try reserve(users.count + 1, width: 8, "histories")
        try reserve(interactions, width: bytesPerInteraction, "histories")
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
            dataset = try Dataset(restoring: datasetPath, format: format, users: users, items: items, offsets: offsets, sequence: sequence,
                                  holdOut: holdOut)
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
        try reserve(layout.count, width: 4, "parameters")
        let parameters = decodeFloat32s(bytes, offset: blobStart, count: layout.count)
        if let i = parameters.firstIndex(where: { !$0.isFinite }) {
            let slot = layout.slots.last { $0.offset <= i } ?? layout.slots[0]
            throw corrupt("tensor '\(slot.name)': element \(i - slot.offset) is \(parameters[i]); checkpoints hold finite values only")
        }
        return Decoded(config: config, dataset: dataset, layout: layout, parameters: parameters)
    }

    /// Memory per decoded id: its string in the token list and in the id map's hash table.
    static let bytesPerID = 80
    /// Memory per decoded interaction: the history entry and the dataset's training edges.
    static let bytesPerInteraction = 24

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
