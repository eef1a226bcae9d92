import ArgumentParser
import GSAU
import Glibc

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model (any variant of the paper), report validation/test metrics, print recommendations.",
        discussion: ModelOptions.help)

    @OptionGroup var data: DataOptions

    @Option(help: "Variant: \(Variant.allCases.map(\.rawValue).joined(separator: ", ")).")
    var variant: String = "gsau-rec"

    @Option(help: "Maximum epochs.") var epochs: Int = 300
    @Option(help: "Early-stopping patience (epochs without improvement of the rounded validation metric).") var patience: Int = 10
    @Option(help: "Validation metric for model selection.") var validMetric: String = "ndcg@20"
    @Option(help: "Threads a matrix product is split over (0 = one per CPU).") var threads: Int = 0
    @Option(help: "Write the machine-readable result (JSON) to this file; while training it holds the history so far (\"stop_reason\": \"running\").") var json: String?
    @Option(help: "Keep the training state (parameters, optimizer, random streams, history) in this file, rewritten after every epoch, so that --resume can continue the run.") var state: String?
    @Flag(help: "Continue the run saved in --state (same data and options; --epochs may be raised, and --patience and --lr-decays too: a run early stopping ended goes on as if it had had them from the start).") var resume = false
    @Option(help: "Save the trained model (best epoch) to this checkpoint file, for `gsau-cli query`.") var save: String?
    @Option(help: "Start from this saved model (same architecture): known users, items and shared weights take its values.") var warmStart: String?
    @Option(help: "Print the top-10 recommendations for this raw user id after training.") var recommendUser: String?
    @Flag(help: "Only print the final summary.") var quiet = false
    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("Model options: see MODEL OPTIONS below.", valueName: "model-options"))
    var modelOptions: [String] = []

    @OptionGroup var memory: MemoryOptions

    func run() throws {
        try memory.apply()
        warnAboutBLAS()
        guard let v = Variant(rawValue: variant) else {
            throw ValidationError("unknown variant '\(variant)'; available: \(Variant.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let config = try ModelConfig.resolved(variant: v, overrides: try ModelOptions.overrides(modelOptions))
        var options = TrainingOptions()
        options.epochs = epochs; options.patience = patience; options.validationMetric = validMetric; options.threads = threads
        if resume && state == nil { throw ValidationError("--resume needs --state FILE (the run's training-state file)") }

        let (dataset, loadSeconds) = try data.load()
        let trainer = try Trainer(config: config, dataset: dataset, options: options)
        print("gsau train: \(v.rawValue) on \(dataset.path): \(dataset.userCount) users, \(dataset.itemCount) items, \(dataset.interactionCount) interactions (loaded in \(formatted(loadSeconds, 2)) s)")
        if threads > 0 { BLASInfo.setThreads(threads) }   // as training will, so the line below is true
        print("  \(trainer.stepsPerEpoch) steps per epoch, gamma \(config.gamma), \(BLASInfo.summary)")
        if let warmStart {
            let r = try trainer.warmStart(from: try GSAUModel.load(from: warmStart))
            print("  warm start from \(warmStart): \(r.usersMatched) users and \(r.itemsMatched) items known (\(r.usersNew) and \(r.itemsNew) new), \(r.sharedTensors) shared tensors")
        }
        if let state { try trainer.openState(at: state, resume: resume) }
        if resume, let state { print("  resuming \(state) at epoch \(trainer.nextEpoch) (\(trainer.history.count) epochs done), learning rate \(trainer.learningRate)") }
        var warnedCollapse = false, learningRate = trainer.learningRate
        let report = { (event: TrainingEvent) -> Bool in
            if case .epochEnd = event, let json {
                // Nothing lost if the run is interrupted: the history so far is on disk.
                let history = trainer.history
                let partial = JSON.object([("variant", .string(config.variant.rawValue)), ("config", config.json),
                                           ("stop_reason", .string("running")), ("epochs_run", .int(history.count)),
                                           ("history", .array(history.map(\.json)))])
                try? writeFileAtomically(json, text: partial.serialized() + "\n")
            }
            if case .epochEnd(let e) = event, e.meanTerms.sequenceRepresentationsCollapsed, !warnedCollapse {
                warnedCollapse = true   // once per run, also with --quiet
                printErr("warning: the sequence representations have collapsed (sequence uniformity \(formatted(e.meanTerms[.sequentialUniformSequence] ?? 0, 3)) ≈ 0: all normalised vectors in one point); gamma \(config.gamma) is too small for this data, try a larger --gamma (see docs/RESULTS.md, 'γ')")
            }
            if quiet { return true }
            switch event {
            case .step(let epoch, let step, let steps, let loss):
                if step % 50 == 49 { printErr("  epoch \(epoch) step \(step + 1)/\(steps) loss \(formatted(loss, 4))") }
            case .epochEnd(let e):
                let v = e.validation
                let valid = dataset.holdOut.has(.validation)
                    ? " | valid R@10 \(formatted(RankingMetrics.rounded(v["recall@10"] ?? 0), 4)) N@10 \(formatted(RankingMetrics.rounded(v["ndcg@10"] ?? 0), 4)) N@20 \(formatted(e.validationScore, 4))\(e.improved ? " *" : "  ")"
                    : " | no validation (hold-out none)"
                print("epoch \(e.epoch)".padding(10) + "loss \(formatted(e.lossSum, 2))".padding(16)
                      + terms(e.meanTerms) + valid + " | \(formatted(e.trainSeconds, 1)) s + eval \(formatted(e.evaluationSeconds, 1)) s")
                if trainer.learningRate != learningRate {
                    learningRate = trainer.learningRate
                    print("  patience ran out: learning rate decayed to \(learningRate) (docs/MODEL.md §6.6)")
                }
                fflush(stdout)   // one line per epoch, visible at once even when stdout is a file
            }
            return true
        }
        let (model, result) = try state.map { try trainer.train(statePath: $0, progress: report) } ?? trainer.train(progress: report)
        print("stopped: \(result.stopReason.rawValue) after \(result.history.count) epochs; best epoch \(result.bestEpoch.map { "\(result.history[$0].epoch)" } ?? "none"); \(formatted(result.secondsPerEpochMedian, 2)) s/epoch (median), \(formatted(result.totalSeconds, 1)) s in all")
        if let valid = result.bestValidation, dataset.holdOut.has(.validation) { printMetrics(valid, title: "valid (best epoch)", seconds: 0) }
        if let test = result.test { printMetrics(test, title: "test (best epoch)", seconds: 0) }
        if let json {
            try writeFileAtomically(json, text: result.json.serialized() + "\n")
            print("wrote \(json)")
        }
        if let save {
            try model.save(to: save)
            print("saved \(save)")
        }
        if let user = recommendUser {
            let top = try model.recommend(user: user, count: 10)
            print("top 10 for user \(user) (from the whole history):")
            for (rank, r) in top.enumerated() { print("  \(rank + 1)".padding(6) + r.item.padding(10) + formatted(Double(r.score), 4)) }
        }
    }

    /// The epoch's terms summed by `LossTerm.summaryGroup` ("GA 0.812 GU -7.6 ..."), in order.
    private func terms(_ t: LossTerms) -> String {
        var groups: [(name: String, sum: Double)] = []
        for (term, value) in t.present {
            guard let name = term.summaryGroup else { continue }
            if let k = groups.firstIndex(where: { $0.name == name }) { groups[k].sum += value } else { groups.append((name, value)) }
        }
        return groups.map { "\($0.name) \(formatted($0.sum, $0.name == "BPR" ? 4 : 3))" }.joined(separator: " ")
    }
}
