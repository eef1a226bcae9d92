/// What the trainer reports while it runs. Returning false from the callback stops training
/// cleanly after the current step; the best epoch so far is kept.
public enum TrainingEvent {
    case step(epoch: Int, step: Int, steps: Int, loss: Double)
    case epochEnd(EpochRecord)
}

/// Trains a model with the original's schedule (model-spec §1.6, §4):
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
    private var gradients: [Float]
    private var adam: AdamState<Float>
    private var initRNG: RandomGenerator, graphRNG: RandomGenerator, sequenceRNG: RandomGenerator
    private var dropoutRNG: RandomGenerator, derangementRNG: RandomGenerator, negativeRNG: RandomGenerator
    /// The u–i pairing of the current step (reused).
    private var derangement: [Int32] = []

    public init(config: ModelConfig, dataset: Dataset, options: TrainingOptions = TrainingOptions()) throws {
        try config.validate()
        try options.validate()
        self.config = config
        self.options = options
        self.dataset = dataset
        layout = ParameterLayout(config: config, userCount: dataset.users.count, itemCount: dataset.items.count)
        network = try GSAUNetwork(config: config, dataset: dataset, layout: layout)
        streams = TrainingStreams(dataset: dataset, batchSize: config.batchSize, maxLength: config.maxSequenceLength)
        if config.useGraph && streams.batchCount(rows: streams.graphRows) == 0 {
            throw GSAUError.invalidArgument("the dataset has \(streams.graphRows) graph training rows; the graph side needs at least 2")
        }
        if config.useSequential && streams.batchCount(rows: streams.sequentialRows) == 0 {
            throw GSAUError.invalidArgument("the dataset has \(streams.sequentialRows) sequential training examples (users need 4+ interactions); at least 2 are needed")
        }
        var root = RandomGenerator(seed: config.seed)
        initRNG = root.split(); graphRNG = root.split(); sequenceRNG = root.split()
        dropoutRNG = root.split(); derangementRNG = root.split(); negativeRNG = root.split()
        parameters = [Float](repeating: 0, count: layout.count)
        gradients = [Float](repeating: 0, count: layout.count)
        adam = AdamState(count: layout.count, hyperparameters: AdamHyperparameters(
            learningRate: config.learningRate, beta1: config.beta1, beta2: config.beta2,
            epsilon: config.adamEpsilon, weightDecay: config.weightDecay))
        parameters.withUnsafeMutableBufferPointer { layout.initialize($0.baseAddress!, rng: &initRNG, scheme: config.initialization) }
    }

    /// Which batches each step of an epoch takes.
    var schedule: EpochSchedule {
        EpochSchedule(graphBatches: config.useGraph ? streams.batchCount(rows: streams.graphRows) : nil,
                      sequentialBatches: config.useSequential ? streams.batchCount(rows: streams.sequentialRows) : nil)
    }

    /// Optimiser steps per epoch: graph batches when the graph side is on, else sequential batches.
    public var stepsPerEpoch: Int { schedule.steps }

    /// Runs the training loop and returns the model (best epoch's parameters) and the result.
    public func train(progress: ((TrainingEvent) -> Bool)? = nil) throws -> (model: GSAUModel, result: TrainingResult) {
        if options.threads > 0 { BLASInfo.setThreads(options.threads) }
        let clock = ContinuousClock()
        let started = clock.now
        var result = TrainingResult(config: config, options: options, datasetPath: dataset.path,
                                    userCount: dataset.userCount, itemCount: dataset.itemCount,
                                    interactionCount: dataset.interactionCount,
                                    graphRows: config.useGraph ? streams.graphRows : 0,
                                    sequentialRows: config.useSequential ? streams.sequentialRows : 0,
                                    stepsPerEpoch: stepsPerEpoch, blasCore: BLASInfo.coreName, blasThreads: BLASInfo.threads)
        let model = GSAUModel(config: config, dataset: dataset, layout: layout, parameters: parameters, network: network)
        let validationKs = Array(Set(options.ks + [options.validationK])).sorted()
        var stopping = EarlyStopping(patience: options.patience, decimals: options.metricDecimals)
        var bestParameters: [Float]? = nil

        epochs: for epoch in 0..<options.epochs {
            let epochStart = clock.now
            guard let (steps, lossSum, terms) = try runEpoch(epoch, progress: progress) else {
                result.stopReason = .aborted
                break epochs
            }
            let trainSeconds = (clock.now - epochStart).seconds
            let evalStart = clock.now
            model.parameters = parameters
            let validation = try model.evaluate(split: .validation, ks: validationKs)
            let (score, improved, stop) = stopping.update(validation[options.validationMetric]!)
            if improved {
                bestParameters = parameters
                result.bestEpoch = result.history.count
                result.bestValidation = validation
            }
            let record = EpochRecord(epoch: epoch, steps: steps, lossSum: lossSum, meanTerms: terms, validation: validation,
                                     validationScore: score, improved: improved, trainSeconds: trainSeconds,
                                     evaluationSeconds: (clock.now - evalStart).seconds)
            result.history.append(record)
            if let progress, !progress(.epochEnd(record)) { result.stopReason = .aborted; break epochs }
            if stop { result.stopReason = .earlyStopped; break epochs }
        }
        model.parameters = bestParameters ?? parameters
        if result.bestEpoch != nil {
            result.test = try model.evaluate(split: .test, ks: validationKs)
        }
        result.totalSeconds = (clock.now - started).seconds
        return (model, result)
    }

    /// One epoch of steps; nil when the callback asked to stop.
    private func runEpoch(_ epoch: Int, progress: ((TrainingEvent) -> Bool)?) throws -> (Int, Double, LossTerms)? {
        let schedule = self.schedule, steps = schedule.steps
        let graphRows = streams.graphRows, sequentialRows = streams.sequentialRows
        var graphOrder = (0..<Int32(graphRows)).map { $0 }
        var sequenceOrder = (0..<Int32(sequentialRows)).map { $0 }
        if config.useGraph { graphRNG.shuffle(&graphOrder) }
        var graphBatch = GraphBatch(), sequenceBatch = SequenceBatch()
        var lossSum = 0.0
        var sums = LossTerms()
        for step in 0..<steps {
            if let index = schedule.graphBatch(step) {
                streams.graphBatch(streams.batchRange(index, rows: graphRows), order: graphOrder, into: &graphBatch)
                if config.graphObjective == .bpr { streams.sampleNegatives(for: &graphBatch, rng: &negativeRNG) }
            }
            if let (index, newPass) = schedule.sequentialBatch(step) {
                if newPass { sequenceRNG.shuffle(&sequenceOrder) }
                streams.sequenceBatch(streams.batchRange(index, rows: sequentialRows), order: sequenceOrder, into: &sequenceBatch)
            }
            let terms = try optimizerStep(graphBatch: config.useGraph ? graphBatch : nil,
                                 sequenceBatch: config.useSequential ? sequenceBatch : nil)
            lossSum += terms.total
            sums.add(terms)
            if let progress, !progress(.step(epoch: epoch, step: step, steps: steps, loss: terms.total)) { return nil }
        }
        return (steps, lossSum, sums.scaled(by: 1 / Double(steps)))
    }

    /// One optimiser step: zero the gradients, loss and backward, Adam.
    private func optimizerStep(graphBatch: GraphBatch?, sequenceBatch: SequenceBatch?) throws -> LossTerms {
        let count = layout.count
        let network = self.network
        var pairing: [Int32]? = nil
        if config.userItemUniformity, let b = sequenceBatch?.count, derangementRNG.fillDerangement(&derangement, count: b) {
            pairing = derangement
        }
        let terms = try parameters.withUnsafeBufferPointer { p in
            try gradients.withUnsafeMutableBufferPointer { g in
                g.baseAddress!.update(repeating: 0, count: count)
                return try network.objective.lossAndGradients(parameters: p.baseAddress!, gradients: g.baseAddress!,
                                                              graphBatch: graphBatch, sequenceBatch: sequenceBatch,
                                                              derangement: pairing, training: true, rng: &dropoutRNG)
            }
        }
        try parameters.withUnsafeMutableBufferPointer { p in
            try gradients.withUnsafeBufferPointer { g in try adam.step(parameters: p, gradients: g) }
        }
        return terms
    }
}

extension LossTerms {
    mutating func add(_ other: LossTerms) {
        func sum(_ a: Double?, _ b: Double?) -> Double? { b.map { (a ?? 0) + $0 } ?? a }
        graphAlign = sum(graphAlign, other.graphAlign)
        graphUniformUser = sum(graphUniformUser, other.graphUniformUser)
        graphUniformItem = sum(graphUniformItem, other.graphUniformItem)
        graphBPR = sum(graphBPR, other.graphBPR)
        graphRegularization = sum(graphRegularization, other.graphRegularization)
        sequentialCrossEntropy = sum(sequentialCrossEntropy, other.sequentialCrossEntropy)
        sequentialAlign = sum(sequentialAlign, other.sequentialAlign)
        sequentialUniformSequence = sum(sequentialUniformSequence, other.sequentialUniformSequence)
        sequentialUniformItem = sum(sequentialUniformItem, other.sequentialUniformItem)
        sequentialUniformSequenceVsItem = sum(sequentialUniformSequenceVsItem, other.sequentialUniformSequenceVsItem)
        total += other.total
    }

    func scaled(by s: Double) -> LossTerms {
        var t = self
        t.graphAlign = graphAlign.map { $0 * s }; t.graphUniformUser = graphUniformUser.map { $0 * s }
        t.graphUniformItem = graphUniformItem.map { $0 * s }
        t.graphBPR = graphBPR.map { $0 * s }; t.graphRegularization = graphRegularization.map { $0 * s }
        t.sequentialCrossEntropy = sequentialCrossEntropy.map { $0 * s }; t.sequentialAlign = sequentialAlign.map { $0 * s }
        t.sequentialUniformSequence = sequentialUniformSequence.map { $0 * s }
        t.sequentialUniformItem = sequentialUniformItem.map { $0 * s }
        t.sequentialUniformSequenceVsItem = sequentialUniformSequenceVsItem.map { $0 * s }
        t.total = total * s
        return t
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
