// Writing a checkpoint (docs/CHECKPOINT.md, "File layout").

extension Checkpoint {
    /// Everything a checkpoint holds, as plain values. `encoded()` writes them without judging
    /// them (tests build invalid files this way, with a valid checksum); `GSAUModel.serialized()`
    /// checks the model first.
    struct Contents {
        var config: ModelConfig
        var datasetPath: String
        var datasetFormat: String
        var holdOut: HoldOut
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
            holdOut = model.dataset.holdOut
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
            if version >= 3 { try w.string(holdOut.rawValue, field: "dataset hold-out") }
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
}
