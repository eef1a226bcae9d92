// libFuzzer target: the checkpoint loader (Sources/GSAU/IO/CheckpointReader.swift,
// docs/CHECKPOINT.md). Inputs get a valid checksum (Support/Checksum.swift); a checkpoint that
// loads must also build its query engine and answer a query for its first user.
@testable import GSAU

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckpointLoader(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = withValidChecksum(data, size, minimumSize: Checkpoint.preambleSize + Checkpoint.trailerSize)
    guard let model = try? GSAUModel.deserialize(bytes, source: "fuzz-input") else { return 0 }
    guard let engine = try? QueryEngine(model: model) else { return 0 }
    if model.dataset.users.count > 1 {
        _ = try? engine.recommend(user: model.dataset.users.tokens[1], count: 5, filterSeen: true)
    }
    return 0
}
