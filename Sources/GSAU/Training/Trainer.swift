import Glibc

/// Where a run hands its training state after every epoch (e.g. a file, `train(statePath:…)`).
public struct TrainingStateSink {
    let save: (TrainingState) throws -> Void
    public init(_ save: @escaping (TrainingState) throws -> Void) { self.save = save }
}

/// What the trainer reports while it runs. Returning false from the callback stops training
/// cleanly after the current step; the best epoch so far is kept.
public enum TrainingEvent {
    case step(epoch: Int, step: Int, steps: Int, loss: Double)
    case epochEnd(EpochRecord)
}

/// Trains a model with the original's schedule (docs/MODEL.md §6.1, §6.4):
/// - two independently shuffled streams, graph pairs and sequential prefix examples, batch 512
///   each, one Adam step per pair of batches; the epoch ends when the graph stream is exhausted,
///   the sequential stream wrapping around with a fresh shuffle (both streams restart each epoch).
///   Variants without a graph side iterate the sequential stream only, and vice versa;
/// - validation after every epoch (full ranking), early stopping on the rounded validation metric
///   with ties counting as improvement; the best parameters are kept and the test split is
///   evaluated with them at the end.
/// Same seed and same BLAS thread count give the same numbers.
public final class Trainer {
    public let config: ModelConfig
    public let options: TrainingOptions
    public let dataset: Dataset
    let layout: ParameterLayout
    let network: GSAUNetwork<Float>
    let streams: TrainingStreams
    private var parameters: [Float]
    /// The gradient buffer; all zeros between steps (Adam clears each entry as it reads it).
    private var gradients: [Float]
    /// False while a step's backward may have left gradients in the buffer without Adam clearing
    /// them (a step that threw); the next step then zeroes the buffer first.
    private var gradientsAreZero = true
    private var adam: AdamState<Float>
    private var random: RandomStreams
    /// The u–i pairing of the current step (reused).
    private var derangement: [Int32] = []
    /// Epoch counter, history, best epoch and early-stopping state.
    private var run: RunProgress

    public init(config: ModelConfig, dataset: Dataset, options: TrainingOptions = TrainingOptions()) throws {
        try config.validate()
        try options.validate()
        self.config = config
        self.options = options
        self.dataset = dataset
        layout = ParameterLayout(config: config, userCount: dataset.users.count, itemCount: dataset.items.count)
        try TrainingMemory.check(need: TrainingMemory.estimate(config: config, layout: layout, dataset: dataset))
        network = try GSAUNetwork(config: config, dataset: dataset, layout: layout)
        streams = TrainingStreams(dataset: dataset, batchSize: config.batchSize, maxLength: config.maxSequenceLength)
        if config.useGraph && streams.batchCount(rows: streams.graphRows) == 0 {
            throw GSAUError.invalidArgument("the dataset has \(streams.graphRows) graph training rows; the graph side needs at least 2")
        }
        if config.useSequential && streams.batchCount(rows: streams.sequentialRows) == 0 {
            throw GSAUError.invalidArgument("the dataset has \(streams.sequentialRows) sequential training examples (users need 4+ interactions); at least 2 are needed")
        }
        random = RandomStreams(seed: config.seed)
        parameters = [Float](repeating: 0, count: layout.count)
        gradients = [Float](repeating: 0, count: layout.count)
        adam = AdamState(count: layout.count, hyperparameters: AdamHyperparameters(
            learningRate: config.learningRate, beta1: config.beta1, beta2: config.beta2,
            epsilon: config.adamEpsilon, weightDecay: config.weightDecay))
        run = RunProgress(stopping: EarlyStopping(patience: options.patience, decimals: options.metricDecimals))
        parameters.withUnsafeMutableBufferPointer { layout.initialize($0.baseAddress!, rng: &random.initialization, scheme: config.initialization) }
    }

    /// Starts this run from a saved model (docs/MODEL.md §6.5): the rows of users and items it knows
    /// (matched by raw id) and every shared tensor take its values; new users and items keep the
    /// fresh initialisation; the optimiser starts fresh. Call before `train`, on a run that has not
    /// started or resumed. Throws `invalidArgument` when the architectures differ (naming the
    /// tensor) or the run has started; on failure the trainer is unchanged.
    @discardableResult
    public func warmStart(from saved: GSAUModel) throws -> WarmStartReport {
        guard run.nextEpoch == 0, adam.step == 0 else {
            throw GSAUError.invalidArgument("warm start: the run has already started (epoch \(run.nextEpoch))")
        }
        return try GSAU.warmStart(&parameters, layout: layout, dataset: dataset, from: saved)
    }

    /// The scorer of `model` (the current parameters), reusing the training graph's adjacency.
    private func validationScorer(_ model: GSAUModel) throws -> Scorer {
        try Scorer(model: model, adjacency: network.objective.graph?.adjacency)
    }

    /// Which batches each step of an epoch takes.
    var schedule: EpochSchedule {
        EpochSchedule(graphBatches: config.useGraph ? streams.batchCount(rows: streams.graphRows) : nil,
                      sequentialBatches: config.useSequential ? streams.batchCount(rows: streams.sequentialRows) : nil)
    }

    /// Optimiser steps per epoch: graph batches when the graph side is on, else sequential batches.
    public var stepsPerEpoch: Int { schedule.steps }

    /// The epochs run so far (including those of the run this one resumed).
    public var history: [EpochRecord] { run.history }

    /// The epoch the next call to `train` starts with (0 unless resumed).
    public var nextEpoch: Int { run.nextEpoch }

    /// Cut-offs evaluated on validation: the reported Ks and the selection metric's K.
    private var validationKs: [Int] { Array(Set(options.ks + [options.validationK])).sorted() }

    /// Continues the run `state` was taken from (`state()` after an epoch): parameters, Adam,
    /// random streams, early stopping, best epoch and history, so that training on goes exactly as
    /// if it had never stopped (same BLAS thread count). The state must come from the same config,
    /// data and model-selection options; `options.epochs` may differ, and `options.patience` may be
    /// larger: a run that early stopping ended then continues as one started with that patience
    /// (its epochs so far are the same), until the larger patience runs out. Throws
    /// `invalidArgument` (naming `source`) for another run's state; on failure the trainer is
    /// unchanged.
    public func resume(from state: TrainingState, source: String) throws {
        try state.checkCompatible(config: config, dataset: dataset, options: options, parameterCount: layout.count, source: source)
        guard let streams = RandomStreams(states: state.streams) else {
            throw GSAUError.corruptFile(path: source, message: "\(state.streams.count) random streams, expected \(RandomStreams.order.count)")
        }
        parameters = state.parameters
        adam.firstMoment = state.firstMoment
        adam.secondMoment = state.secondMoment
        adam.step = state.adamStep
        random = streams
        run = state.progress
        run.stopping = EarlyStopping(patience: options.patience, decimals: options.metricDecimals)   // this run's patience
        run.stopping.restore(best: state.progress.stopping.best, sinceBest: state.progress.stopping.sinceBest)
        adam.hyperparameters.learningRate = learningRate
        decayOnPlateau()        // a run early stopping ended goes on when this config allows more decays
    }

    /// The learning rate of the next step: the config's, times the decay factor for each decay so
    /// far (docs/MODEL.md §6.6).
    public var learningRate: Double {
        run.learningRateDecayEpochs.reduce(config.learningRate) { rate, _ in rate * config.learningRateDecay }
    }

    /// The opt-in decay on a plateau (docs/MODEL.md §6.6): when early stopping's patience has run
    /// out and decays remain, multiplies the learning rate by the decay factor and restarts the
    /// patience (the best epoch and its score stay). Returns whether it decayed.
    @discardableResult
    private func decayOnPlateau() -> Bool {
        guard run.stopping.exhausted, run.learningRateDecayEpochs.count < config.learningRateDecays,
              let last = run.history.last else { return false }
        run.learningRateDecayEpochs.append(last.epoch)
        run.stopping.restartPatience()
        adam.hyperparameters.learningRate = learningRate
        return true
    }

    /// Everything `resume(from:source:)` needs, as of the end of the last epoch.
    func state(elapsedSeconds: Double) -> TrainingState {
        var progress = run
        progress.elapsedSeconds = elapsedSeconds
        return TrainingState(configText: TrainingState.configText(config), datasetFingerprint: TrainingState.fingerprint(dataset),
                             patience: options.patience, metric: options.validationMetric, decimals: options.metricDecimals,
                             ks: validationKs, progress: progress, adamStep: adam.step,
                             streams: random.states,
                             parameters: parameters, firstMoment: adam.firstMoment, secondMoment: adam.secondMoment)
    }

    /// Runs the training loop (from epoch 0, or where a resumed run stopped) and returns the model
    /// (best epoch's parameters) and the result. `sink` receives the training state after every
    /// epoch (before `progress` hears of it), e.g. to write it to a file (`train(statePath:…)`); a
    /// trailing closure is `progress`, the only closure parameter.
    public func train(savingStateTo sink: TrainingStateSink? = nil,
                      progress: ((TrainingEvent) -> Bool)? = nil) throws -> (model: GSAUModel, result: TrainingResult) {
        if options.threads > 0 { BLASInfo.setThreads(options.threads) }
        let clock = ContinuousClock()
        let started = clock.now
        let earlierSeconds = run.elapsedSeconds
        var result = TrainingResult(config: config, options: options, datasetPath: dataset.path,
                                    userCount: dataset.userCount, itemCount: dataset.itemCount,
                                    interactionCount: dataset.interactionCount,
                                    graphRows: config.useGraph ? streams.graphRows : 0,
                                    sequentialRows: config.useSequential ? streams.sequentialRows : 0,
                                    stepsPerEpoch: stepsPerEpoch, blasCore: BLASInfo.coreName, blasThreads: BLASInfo.threads)
        if run.earlyStopped { result.stopReason = .earlyStopped }
        var model = GSAUModel(config: config, dataset: dataset, layout: layout, parameters: parameters)
        let validationWorkspace = ScoringWorkspace(config: config, encoder: network.objective.sequence)

        epochs: while !run.earlyStopped && run.nextEpoch < options.epochs {
            let epoch = run.nextEpoch
            let epochStart = clock.now
            guard let (steps, lossSum, terms) = try runEpoch(epoch, progress: progress) else {
                result.stopReason = .aborted
                break epochs
            }
            let trainSeconds = (clock.now - epochStart).seconds
            let evalStart = clock.now
            model.parameters = parameters
            // Without a validation split (HoldOut.none) every epoch is kept and none stops the run.
            let validates = dataset.holdOut.has(.validation)
            let validation = validates ? try model.evaluate(with: validationScorer(model), split: .validation, ks: validationKs,
                                                            workspace: validationWorkspace)
                                       : RankingMetrics(ks: validationKs)
            let (score, improved, patienceRanOut) = validates ? run.stopping.update(validation[options.validationMetric] ?? 0)
                                                              : (Double.nan, true, false)
            if improved {
                run.bestParameters = parameters
                run.bestEpoch = run.history.count
            }
            let record = EpochRecord(epoch: epoch, steps: steps, lossSum: lossSum, meanTerms: terms, validation: validation,
                                     validationScore: score, improved: improved, trainSeconds: trainSeconds,
                                     evaluationSeconds: (clock.now - evalStart).seconds)
            run.history.append(record)
            run.nextEpoch = epoch + 1
            let stop = patienceRanOut && !decayOnPlateau()
            if let sink { try sink.save(state(elapsedSeconds: earlierSeconds + (clock.now - started).seconds)) }
            if let progress, !progress(.epochEnd(record)) { result.stopReason = .aborted; break epochs }
            if stop { result.stopReason = .earlyStopped }
        }
        result.history = run.history
        result.bestEpoch = run.bestEpoch
        result.learningRateDecayEpochs = run.learningRateDecayEpochs
        result.bestValidation = run.bestEpoch.map { run.history[$0].validation }
        model.parameters = run.bestParameters ?? parameters
        if result.bestEpoch != nil && dataset.holdOut.has(.test) {
            result.test = try model.evaluate(with: validationScorer(model), split: .test, ks: validationKs,
                                             workspace: validationWorkspace)
        }
        result.totalSeconds = earlierSeconds + (clock.now - started).seconds
        return (model, result)
    }

    /// One epoch of steps; nil when the callback asked to stop.
    private func runEpoch(_ epoch: Int, progress: ((TrainingEvent) -> Bool)?) throws -> (Int, Double, LossTerms)? {
        let schedule = self.schedule, steps = schedule.steps
        let graphRows = streams.graphRows, sequentialRows = streams.sequentialRows
        var graphOrder = (0..<Int32(graphRows)).map { $0 }
        var sequenceOrder = (0..<Int32(sequentialRows)).map { $0 }
        if config.useGraph { random.graph.shuffle(&graphOrder) }
        var graphBatch = GraphBatch(), sequenceBatch = SequenceBatch()
        var lossSum = 0.0
        var sums = LossTerms()
        for step in 0..<steps {
            if let index = schedule.graphBatch(step) {
                streams.graphBatch(streams.batchRange(index, rows: graphRows), order: graphOrder, into: &graphBatch)
                if config.graphObjective == .bpr { streams.sampleNegatives(for: &graphBatch, rng: &random.sampling) }
            }
            if let (index, newPass) = schedule.sequentialBatch(step) {
                if newPass { random.sequence.shuffle(&sequenceOrder) }
                streams.sequenceBatch(streams.batchRange(index, rows: sequentialRows), order: sequenceOrder, into: &sequenceBatch)
                if config.sequentialEncoder == .bert4rec {
                    applyClozeMask(to: &sequenceBatch, maskToken: Int32(layout.itemCount), ratio: config.maskRatio,
                                   finetuneRatio: config.finetuneRatio, maxMasked: config.maxMaskedPositions, rng: &random.sampling)
                }
                network.objective.sampler?.draw(into: &sequenceBatch.negatives, rng: &random.sampling)
            }
            let terms = try optimizerStep(graphBatch: config.useGraph ? graphBatch : nil,
                                 sequenceBatch: config.useSequential ? sequenceBatch : nil)
            lossSum += terms.total
            sums.add(terms)
            if let progress, !progress(.step(epoch: epoch, step: step, steps: steps, loss: terms.total)) { return nil }
        }
        return (steps, lossSum, sums.scaled(by: 1 / Double(steps)))
    }

    /// One optimiser step: loss and backward into the zeroed gradient buffer, then Adam, which
    /// leaves the buffer zeroed for the next step.
    private func optimizerStep(graphBatch: GraphBatch?, sequenceBatch: SequenceBatch?) throws -> LossTerms {
        let count = layout.count
        let network = self.network
        var pairing: [Int32]? = nil
        if config.userItemUniformity, let b = sequenceBatch?.count, random.derangement.fillDerangement(&derangement, count: b) {
            pairing = derangement
        }
        let zeroed = gradientsAreZero
        gradientsAreZero = false
        let terms = try parameters.withUnsafeBufferPointer { p in
            try gradients.withUnsafeMutableBufferPointer { g in
                if !zeroed { g.baseAddress!.update(repeating: 0, count: count) }
                return try network.objective.lossAndGradients(parameters: p.baseAddress!, gradients: g.baseAddress!,
                                                              graphBatch: graphBatch, sequenceBatch: sequenceBatch,
                                                              derangement: pairing, training: true, rng: &random.dropout)
            }
        }
        try parameters.withUnsafeMutableBufferPointer { p in
            try gradients.withUnsafeMutableBufferPointer { g in try adam.stepClearingGradients(parameters: p, gradients: g) }
        }
        gradientsAreZero = true
        return terms
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
