// libFuzzer target: the training-state loader (Sources/GSAU/IO/TrainingStateFile.swift) and a
// resume from what it decodes. Inputs get a valid checksum (Support/Checksum.swift). A state that
// decodes is checked against the tiny run (Support/TinyRun.swift) and, when compatible, the run
// continues from it (at most one epoch, as the seed's run had `epochs` = 1) and its result is
// written as the CLI's JSON.
@testable import GSAU

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTrainingStateLoader(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = withValidChecksum(data, size, minimumSize: 12)
    guard let state = try? TrainingState.decode(bytes, source: "fuzz-input") else { return 0 }
    guard let trainer = try? Trainer(config: TinyRun.config(.gsauRec), dataset: TinyRun.dataset, options: TinyRun.options),
          (try? trainer.resume(from: state, source: "fuzz-input")) != nil else { return 0 }
    if let (_, result) = try? trainer.train() { _ = result.json.serialized() }
    return 0
}
