// GSAU checkpoint format, version 7 (versions 1 to 6 are still read): docs/CHECKPOINT.md is the
// specification (layout, validation on load, versioning policy). This file holds the format's
// constants and the model's save/load API; CheckpointWriter.swift and CheckpointReader.swift
// encode and decode it.

/// The checkpoint format's constants and codec (docs/CHECKPOINT.md).
enum Checkpoint {
    static let magic: [UInt8] = Array("GSAU".utf8)
    static let formatVersion: UInt32 = 7
    /// Versions this reader accepts: 1 lacks the BERT4Rec fields, 1–3 lack graph_score_weight,
    /// 1–4 sampled_negatives, 1–5 logit_scale and 1–6 the learning-rate decay fields, which then
    /// keep their defaults.
    static let readableVersions: ClosedRange<UInt32> = 1...7
    static let preambleSize = 20
    static let trailerSize = 4
    static let blobAlignment = 64
    static let maxHeaderLength = 1 << 30

    static let maxTensorNameBytes = 1024
    static let float32Code: UInt32 = 1

    /// Zero bytes between the header's end and the 64-byte-aligned blob.
    static func padding(afterHeaderEnd end: Int) -> Int { (blobAlignment - end % blobAlignment) % blobAlignment }

    static func hex(_ v: UInt32) -> String {
        let digits = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
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

    /// Reads and validates a checkpoint written by `save(to:)`. Throws `outOfMemory`, before
    /// allocating, when the file or a part whose size its header gives would take the process over
    /// its memory limit (`MemoryLimit`) or the memory available.
    public static func load(from path: String) throws -> GSAUModel {
        try deserialize(try readFileBytes(path, for: "loading \(path)"), source: path)
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
