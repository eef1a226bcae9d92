@testable import GSAU

/// Reads `bytes` as an interaction file of `format` and, when that succeeds, builds the dataset
/// the way `Dataset.load` does, then walks every derived view. Load options come from the input's
/// size, so each hold-out mode, both short-user policies and k-core thresholds 0…3 are reached
/// without a byte of the input being spent on them. Errors are the expected outcome of most
/// inputs; only a trap (or a sanitizer report) is a finding.
func exerciseReader(_ format: DataFormat, _ data: UnsafePointer<UInt8>, _ size: Int) {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = DataFormat.detect(path: "fuzz-input", bytes: bytes)
    guard let raw = try? format.read(path: "fuzz-input", bytes: bytes) else { return }
    let core = (size / 6) % 4
    let options = DatasetOptions(format: format, minUserInteractions: core, minItemInteractions: core,
                                 shortUsers: size % 2 == 0 ? .drop : .refuse,
                                 holdOut: HoldOut.allCases[(size / 2) % HoldOut.allCases.count])
    guard let dataset = try? Dataset(raw: raw, format: format, options: options) else { return }
    _ = dataset.trainingEdges()
    _ = dataset.trainItemCounts()
    _ = dataset.trainInteractionCount + dataset.sequentialTrainExampleCount
    for split in EvaluationSplit.allCases {
        for u in dataset.evaluationUsers(split) {
            _ = dataset.target(ofUser: u, split: split)
            _ = dataset.history(ofUser: u, split: split)
        }
    }
}
