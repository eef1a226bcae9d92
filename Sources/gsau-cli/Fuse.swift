import ArgumentParser
import GSAU

struct Fuse: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Choose a saved model's score-fusion weight on the validation split alone and save the model with it (docs/MODEL.md §7.5: score = sequence score + weight × cosine of the graph encoder's user and item rows; opt-in, not the paper's scoring).")

    @Argument(help: "A model checkpoint written by `gsau-cli train --save` (a sequence-scored variant with the graph encoder, e.g. gsau-rec).")
    var checkpoint: String

    @Argument(help: "Where to save the model with the chosen weight (replaced atomically).")
    var output: String

    @Option(help: "Comma-separated candidate weights, tried in this order (ties go to the earlier one).")
    var weights: String = GSAUModel.defaultGraphScoreWeights.map { "\($0)" }.joined(separator: ",")

    @Option(help: "Write the selection (every candidate's validation figure, then the chosen model's validation and test metrics) as JSON to this file.")
    var json: String?

    func run() throws {
        warnAboutBLAS()
        let candidates = try weights.split(separator: ",").map { text -> Double in
            guard let w = Double(text.trimmingCharacters(in: " ")), w.isFinite, w >= 0 else {
                throw ValidationError("--weights must be comma-separated non-negative numbers, got '\(weights)'")
            }
            return w
        }
        let model = try GSAUModel.load(from: checkpoint)
        let options = TrainingOptions()
        print("model \(checkpoint): \(model.config.variant.rawValue); choosing graph_score_weight on validation \(options.validationMetric) (\(options.metricDecimals) decimals)")
        let (chosen, trials) = try model.selectingGraphScoreWeight(from: candidates, options: options) { trial in
            print("  weight \(trial.weight)".padding(18) + "valid \(options.validationMetric) \(formatted(trial.rounded, options.metricDecimals))  (\(formatted(trial.validation, 6)))")
        }
        print("chosen: graph_score_weight \(chosen.config.graphScoreWeight)")
        let valid = try chosen.evaluate(split: .validation, ks: options.ks)
        let test = try chosen.evaluate(split: .test, ks: options.ks)
        printMetrics(valid, title: "valid (chosen weight)", seconds: 0)
        printMetrics(test, title: "test (chosen weight)", seconds: 0)
        try chosen.save(to: output)
        print("saved \(output)")
        if let json {
            let record = JSON.object([
                ("model", .string(checkpoint)),
                ("variant", .string(chosen.config.variant.rawValue)),
                ("valid_metric", .string(options.validationMetric)),
                ("metric_decimals", .int(options.metricDecimals)),
                ("trials", .array(trials.map { .object([("graph_score_weight", .number($0.weight)),
                                                         ("valid", .number($0.rounded)), ("valid_unrounded", .number($0.validation))]) })),
                ("graph_score_weight", .number(chosen.config.graphScoreWeight)),
                ("valid", valid.json()),
                ("test", test.json()),
                ("unrounded", .object([("valid", valid.unroundedJSON), ("test", test.unroundedJSON)])),
                ("blas_core", .string(BLASInfo.coreName)),
            ])
            try writeFileAtomically(json, text: record.serialized() + "\n")
            print("wrote \(json)")
        }
    }
}
