// The contents of a training state; its file format is in IO/TrainingStateFile.swift.

/// What a run carries from one epoch to the next, besides the trainer's tensors.
struct RunProgress {
    var nextEpoch = 0
    var history: [EpochRecord] = []
    var bestEpoch: Int? = nil
    var stopping: EarlyStopping
    /// Whether early stopping has ended the run (its counter is past its patience).
    var earlyStopped: Bool { stopping.exhausted }
    var bestParameters: [Float]? = nil
    /// The epochs after which the learning rate was decayed on a plateau (docs/MODEL.md §6.6).
    var learningRateDecayEpochs: [Int] = []
    /// Wall time of the earlier sessions of this run.
    var elapsedSeconds = 0.0
}

/// Everything a run needs to continue exactly where it stopped (docs/MODEL.md §6): the trainer's
/// tensors, random streams and progress, and what identifies the run (config, data, model
/// selection). `Trainer.state()` takes one after an epoch, `Trainer.resume(from:source:)` continues
/// from it; the file format is IO/TrainingStateFile.swift.
public struct TrainingState {
    var configText: [(name: String, value: String)]
    var datasetFingerprint: [Int]
    var patience: Int, metric: String, decimals: Int, ks: [Int]
    var progress: RunProgress
    var adamStep: Int
    var streams: [RandomGenerator.State]
    var parameters: [Float], firstMoment: [Float], secondMoment: [Float]

    /// The config as (name, text) pairs, in checkpoint field order.
    static func configText(_ config: ModelConfig) -> [(name: String, value: String)] {
        ConfigSchema.fields.map { field in (field.name, field.value(in: config).description) }
    }

    /// Counts and a checksum of the training data, enough to refuse resuming on other data.
    static func fingerprint(_ dataset: Dataset) -> [Int] {
        var w = ByteWriter()
        for o in dataset.offsets { w.u64(UInt64(o)) }
        w.int32s(dataset.sequence)
        return [dataset.userCount, dataset.itemCount, dataset.interactionCount, Int(CRC32C.checksum(w.bytes))]
    }

    /// Throws `invalidArgument` naming the first difference between this state and a new run.
    func checkCompatible(config: ModelConfig, dataset: Dataset, options: TrainingOptions, parameterCount: Int, source: String) throws {
        func refuse(_ what: String) -> GSAUError {
            GSAUError.invalidArgument("cannot resume from \(source): \(what)")
        }
        // Fields are compared by name. A field the file lacks was added to the library after the
        // file was written, so that run had the field's default (new fields default to the old
        // behaviour); a field the library does not know is refused.
        let saved = Dictionary(configText.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        let expected = Self.configText(config)
        let defaults = Dictionary(uniqueKeysWithValues: Self.configText(ModelConfig(variant: config.variant)).map { ($0.name, $0.value) })
        if let unknown = saved.keys.first(where: { name in !expected.contains { $0.name == name } }) {
            throw refuse("its config has a field '\(unknown)' this library does not know")
        }
        // The decay fields are checked by their own rule below; every other field must match.
        let decayFactor = "learning_rate_decay", decayCount = "learning_rate_decays"
        let decays = progress.learningRateDecayEpochs.count
        for now in expected {
            let was = saved[now.name] ?? defaults[now.name] ?? ""
            let free = now.name == decayCount || (now.name == decayFactor && decays == 0)
            if !free && was != now.value { throw refuse("it was trained with \(now.name) = \(was), this run has \(now.value)") }
        }
        // Until the learning rate has been decayed, a run went as it would have with any decay
        // setting (docs/MODEL.md §6.6); after, the factor is fixed (above) and the number of decays
        // may not fall below those made.
        guard config.learningRateDecays >= decays else {
            throw refuse("its learning rate was decayed \(decays) times; this run allows \(config.learningRateDecays)")
        }
        guard datasetFingerprint == Self.fingerprint(dataset) else {
            throw refuse("it was trained on other data (\(datasetFingerprint[0]) users, \(datasetFingerprint[1]) items, \(datasetFingerprint[2]) interactions; this dataset has \(dataset.userCount), \(dataset.itemCount), \(dataset.interactionCount), or the same counts with other interactions)")
        }
        guard metric == options.validationMetric, decimals == options.metricDecimals,
              ks == Array(Set(options.ks + [options.validationK])).sorted() else {
            throw refuse("its model selection differs (metric \(metric), \(decimals) decimals, K \(ks))")
        }
        // A larger patience continues the run as a run with that patience from the start would
        // have gone (stopping never changes what is trained before it); a smaller one might have
        // stopped it earlier than the epochs the state already holds.
        guard options.patience >= patience else {
            throw refuse("it was trained with patience \(patience); a resumed run may keep or raise it, not lower it to \(options.patience)")
        }
        guard parameters.count == parameterCount else {
            throw refuse("it holds \(parameters.count) parameters; this model has \(parameterCount)")
        }
    }
}

extension LossTerms {
    /// Values stored per epoch: every `LossTerm` in order, then the total.
    static let termCount = LossTerm.allCases.count + 1

    /// Every term in `LossTerm` order, `total` last.
    var all: [Double?] { LossTerm.allCases.map { self[$0] } + [total] }

    init(all t: [Double?]) {
        self.init()
        for (k, term) in LossTerm.allCases.enumerated() { self[term] = t[k] }
        total = t[LossTerm.allCases.count] ?? 0
    }
}
