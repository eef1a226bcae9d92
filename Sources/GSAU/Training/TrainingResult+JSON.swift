extension RankingMetrics {
    /// {"recall@10": 0.0876, ...} with values rounded to `places` decimals (RecBole's report).
    public func json(places: Int = 4) -> JSON {
        .object(named.map { ($0.name, .number(RankingMetrics.rounded($0.value, places: places))) })
    }

    /// Every metric at full precision, with the number of users averaged over (a close call, e.g.
    /// a mean of seeds against a bar, can be checked from the result file alone).
    public var unroundedJSON: JSON {
        .object([("users", .int(userCount))] + named.map { ($0.name, .number($0.value)) })
    }
}

extension ModelConfig {
    /// Every field of `ConfigSchema`, in its order and under its name.
    public var json: JSON {
        .object(ConfigSchema.fields.map { field in
            let json: JSON
            switch field.value(in: self) {
            case .bool(let b): json = .bool(b)
            case .int(let i): json = .int(i)
            case .uint(let u): json = u <= UInt64(Int.max) ? .int(Int(u)) : .number(Double(u))
            case .float(let x): json = .number(x)
            case .string(let s): json = .string(s)
            }
            return (field.name, json)
        })
    }
}

extension LossTerms {
    /// {"graph_align": …, …, "total": …}: the terms present, then the total.
    public var json: JSON {
        .object(present.map { ($0.term.rawValue, JSON.number($0.value)) } + [("total", .number(total))])
    }
}

extension EpochRecord {
    public var json: JSON {
        .object([("epoch", .int(epoch)), ("steps", .int(steps)), ("loss_sum", .number(lossSum)),
                 ("loss_mean_terms", meanTerms.json), ("valid_score", .number(validationScore)),
                 ("improved", .bool(improved)), ("valid", validation.json()),
                 ("train_seconds", .number(trainSeconds)), ("eval_seconds", .number(evaluationSeconds))])
    }
}

extension TrainingResult {
    /// The machine-readable result: config, dataset statistics, per-epoch history, best epoch,
    /// validation and test metrics, timing, BLAS core and threads.
    public var json: JSON {
        let epochs: [JSON] = history.map(\.json)
        return .object([
            ("variant", .string(config.variant.rawValue)),
            ("config", config.json),
            ("training", .object([("epochs", .int(options.epochs)), ("patience", .int(options.patience)),
                                  ("valid_metric", .string(options.validationMetric)), ("metric_decimals", .int(options.metricDecimals))])),
            ("dataset", .object([("path", .string(datasetPath)), ("users", .int(userCount)), ("items", .int(itemCount)),
                                 ("interactions", .int(interactionCount)), ("graph_train_rows", .int(graphRows)),
                                 ("sequential_train_rows", .int(sequentialRows)), ("steps_per_epoch", .int(stepsPerEpoch))])),
            ("best_epoch", bestEpoch.map { .int(history[$0].epoch) } ?? .null),
            ("epochs_run", .int(history.count)),
            ("stop_reason", .string(stopReason.rawValue)),
            ("learning_rate_decayed_after", .array(learningRateDecayEpochs.map { .int($0) })),
            ("valid", bestValidation?.json() ?? .null),
            ("test", test?.json() ?? .null),
            ("unrounded", .object([("valid", bestValidation?.unroundedJSON ?? .null), ("test", test?.unroundedJSON ?? .null)])),
            ("wall_seconds", .number(totalSeconds)),
            ("seconds_per_epoch_median", .number(secondsPerEpochMedian)),
            ("blas_core", .string(blasCore)),
            ("blas_threads", .int(blasThreads)),
            ("history", .array(epochs)),
        ])
    }
}
