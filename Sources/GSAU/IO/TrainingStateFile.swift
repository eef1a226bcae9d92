import Glibc

// Training-state file ("resume file"), format version 2 (version 1 is still read): the file form
// of `TrainingState`.
//
// A run that keeps one of these is rewritten atomically after every epoch and can be continued
// later from the last completed epoch, with the same numbers as a run that was never
// interrupted (same seed, same BLAS thread count). It holds what a model checkpoint does not:
// Adam's moments and step, every random stream, the early-stopping counters, the best epoch's
// parameters and the per-epoch history. It is not a model checkpoint (`gsau-cli query` reads
// those); the finished run saves one with `--save`.
//
//   magic "GSAT" · u32 version = 2 · body · u32 CRC32C of every byte before it
//   body (primitives as in checkpoints: str = u32 length + UTF-8, int = i64, f64, u8 bool):
//     u32 n, n × { str name; str value }    the model config as text, compared field by field
//                                           (a field missing from an older file had its default)
//     i64 users, items, interactions; u32 CRC32C of the dataset's offsets and item sequence
//     i64 patience; str metric; i64 decimals; u32 n, n × i64 Ks     must match on resume (patience may grow)
//     i64 next_epoch; u8 early_stopped; f64 elapsed_seconds
//     f64 best_rounded_score; i64 epochs_since_best; i64 best_epoch (-1: none)
//     u32 n, n × i64 epochs after which the learning rate was decayed (docs/MODEL.md §6.6;
//                   version 2 on: version 1 predates the decay, so a version-1 run has none)
//     i64 adam_step; 6 × random stream { 4 × u64 words; u8 has_spare; f64 spare }
//     u32 n, n × epoch record (see `writeRecord`)
//     i64 P; P × f32 parameters, first moments, second moments; u8 has_best; [P × f32 best]
//
// Loading checks the checksum first, then every length against the bytes left, so a damaged
// or truncated file is reported as such and never traps.

extension TrainingState {
    static let magic: [UInt8] = Array("GSAT".utf8)
    static let version: UInt32 = 2
    static let readableVersions: ClosedRange<UInt32> = 1...2

    func encoded() throws -> [UInt8] {
        var w = ByteWriter()
        w.reserve(4096 + 200 * progress.history.count + 16 * parameters.count)
        w.append(Self.magic)
        w.u32(Self.version)
        w.u32(UInt32(configText.count))
        for (name, value) in configText {
            try w.string(name, field: "config field name"); try w.string(value, field: "config.\(name)")
        }
        for v in datasetFingerprint.prefix(3) { w.i64(Int64(v)) }
        w.u32(UInt32(truncatingIfNeeded: datasetFingerprint[3]))
        w.i64(Int64(patience)); try w.string(metric, field: "metric"); w.i64(Int64(decimals))
        w.u32(UInt32(ks.count)); for k in ks { w.i64(Int64(k)) }
        w.i64(Int64(progress.nextEpoch)); w.u8(progress.earlyStopped ? 1 : 0); w.f64(progress.elapsedSeconds)
        w.f64(progress.stopping.best); w.i64(Int64(progress.stopping.sinceBest)); w.i64(Int64(progress.bestEpoch ?? -1))
        w.u32(UInt32(progress.learningRateDecayEpochs.count)); for e in progress.learningRateDecayEpochs { w.i64(Int64(e)) }
        w.i64(Int64(adamStep))
        for s in streams {
            for word in s.words { w.u64(word) }
            w.u8(s.spareNormal == nil ? 0 : 1); w.f64(s.spareNormal ?? 0)
        }
        w.u32(UInt32(progress.history.count))
        for record in progress.history { Self.writeRecord(record, to: &w) }
        w.i64(Int64(parameters.count))
        w.float32s(parameters); w.float32s(firstMoment); w.float32s(secondMoment)
        w.u8(progress.bestParameters == nil ? 0 : 1)
        if let best = progress.bestParameters { w.float32s(best) }
        w.u32(CRC32C.checksum(w.bytes))
        return w.bytes
    }

    /// epoch, steps (i64); loss sum (f64); 11 loss terms as { u8 present; f64 }; validation
    /// { u32 n; n × i64 K; 4n × f64 recall, ndcg, mrr, precision; i64 users }; rounded score (f64);
    /// improved (u8); train and evaluation seconds (f64).
    private static func writeRecord(_ e: EpochRecord, to w: inout ByteWriter) {
        w.i64(Int64(e.epoch)); w.i64(Int64(e.steps)); w.f64(e.lossSum)
        for term in e.meanTerms.all { w.u8(term == nil ? 0 : 1); w.f64(term ?? 0) }
        let v = e.validation
        w.u32(UInt32(v.ks.count)); for k in v.ks { w.i64(Int64(k)) }
        for series in [v.recall, v.ndcg, v.mrr, v.precision] { for x in series { w.f64(x) } }
        w.i64(Int64(v.userCount))
        w.f64(e.validationScore); w.u8(e.improved ? 1 : 0); w.f64(e.trainSeconds); w.f64(e.evaluationSeconds)
    }

    // MARK: reading

    static func decode(_ bytes: [UInt8], source: String) throws -> TrainingState {
        func corrupt(_ message: String) -> GSAUError { GSAUError.corruptFile(path: source, message: message) }
        guard bytes.count >= 12 else { throw corrupt("file too short (\(bytes.count) bytes) for a training-state file") }
        guard bytes[0..<4].elementsEqual(magic) else { throw corrupt("magic: not a GSAU training-state file (expected 'GSAT')") }
        let stored = UInt32(littleEndian: bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: bytes.count - 4, as: UInt32.self) })
        guard stored == CRC32C.checksum(bytes, range: 0..<(bytes.count - 4)) else {
            throw corrupt("checksum mismatch: the file was damaged or truncated after it was written")
        }
        var r = ByteReader(bytes, range: 4..<(bytes.count - 4), source: source)
        let version = try r.u32("version")
        guard readableVersions.contains(version) else {
            throw GSAUError.versionMismatch("\(source): training-state format version \(version); this library reads versions \(readableVersions.lowerBound) to \(readableVersions.upperBound)")
        }
        func count(_ field: String, width: Int) throws -> Int {
            let n = Int(try r.u32(field))
            guard n <= r.remaining / max(width, 1) else { throw corrupt("\(field): \(n) entries do not fit in the \(r.remaining) bytes left") }
            return n
        }
        var configText: [(String, String)] = []
        for _ in 0..<(try count("config field count", width: 8)) {
            configText.append((try r.string("config field name"), try r.string("config value")))
        }
        var fingerprint = try (0..<3).map { _ in Int(try r.i64("dataset fingerprint")) }
        fingerprint.append(Int(try r.u32("dataset checksum")))
        let patience = Int(try r.i64("patience")), metric = try r.string("metric", maxBytes: 64)
        let decimals = Int(try r.i64("decimals"))
        let ks = try (0..<(try count("K count", width: 8))).map { _ in Int(try r.i64("K")) }
        var progress = RunProgress(stopping: EarlyStopping(patience: patience, decimals: decimals))
        progress.nextEpoch = Int(try r.i64("next_epoch"))
        _ = try r.u8("early_stopped")               // written for readers of the format; derived from the counters here
        progress.elapsedSeconds = try r.f64("elapsed_seconds")
        let best = try r.f64("best score"), sinceBest = Int(try r.i64("epochs since best"))
        progress.stopping.restore(best: best, sinceBest: sinceBest)
        let bestEpoch = Int(try r.i64("best_epoch"))
        if version >= 2 {
            progress.learningRateDecayEpochs = try (0..<(try count("decay count", width: 8))).map { _ in Int(try r.i64("decay epoch")) }
        }
        let adamStep = Int(try r.i64("adam_step"))
        var streams: [RandomGenerator.State] = []
        for k in 0..<RandomStreams.order.count {
            let words = try (0..<4).map { _ in try r.u64("random stream \(k)") }
            let hasSpare = try r.u8("random stream \(k) spare") != 0
            let spare = try r.f64("random stream \(k) spare")
            guard words.contains(where: { $0 != 0 }) else { throw corrupt("random stream \(k): all-zero state") }
            streams.append(RandomGenerator.State(words: words, spareNormal: hasSpare ? spare : nil))
        }
        for index in 0..<(try count("history length", width: 64)) {
            progress.history.append(try readRecord(&r, index: index))
        }
        // The counters only grow by one per epoch or step, and epochs without improvement are
        // epochs of the history; Adam takes its step as a Double (exact up to 2^53). Bounding them
        // keeps every later `+= 1` in range.
        guard bestEpoch >= -1, bestEpoch < progress.history.count,
              progress.nextEpoch >= progress.history.count, progress.nextEpoch <= Int(Int32.max),
              adamStep >= 0, adamStep <= 1 << 53, sinceBest >= 0, sinceBest <= progress.history.count,
              progress.learningRateDecayEpochs == progress.learningRateDecayEpochs.sorted(),
              progress.learningRateDecayEpochs.allSatisfy({ $0 >= 0 && $0 < progress.history.count }) else {
            throw corrupt("run counters are inconsistent (best epoch \(bestEpoch), next epoch \(progress.nextEpoch), \(progress.history.count) epochs of history, \(sinceBest) epochs since the best, Adam step \(adamStep), learning rate decayed after epochs \(progress.learningRateDecayEpochs))")
        }
        progress.bestEpoch = bestEpoch >= 0 ? bestEpoch : nil
        let p = Int(try r.i64("parameter count"))
        guard p >= 0, p <= r.remaining / 12 else { throw corrupt("parameter count \(p) does not fit the file") }
        func floats(_ field: String) throws -> [Float] {
            let range = try r.take(count: p, width: 4, field)
            return decodeFloat32s(bytes, offset: range.lowerBound, count: p)
        }
        let parameters = try floats("parameters"), m = try floats("first moments"), v = try floats("second moments")
        if try r.u8("has_best") != 0 { progress.bestParameters = try floats("best parameters") }
        guard r.remaining == 0 else { throw corrupt("\(r.remaining) unexpected bytes after the tensors") }
        return TrainingState(configText: configText, datasetFingerprint: fingerprint, patience: patience, metric: metric,
                             decimals: decimals, ks: ks, progress: progress, adamStep: adamStep, streams: streams,
                             parameters: parameters, firstMoment: m, secondMoment: v)
    }

    private static func readRecord(_ r: inout ByteReader, index: Int) throws -> EpochRecord {
        let field = "history[\(index)]"
        let epoch = Int(try r.i64(field)), steps = Int(try r.i64(field)), lossSum = try r.f64(field)
        // Epochs are numbered 0, 1, ... in history order; the C API reports both as int32.
        guard epoch == index, steps >= 0, steps <= Int(Int32.max) else {
            throw r.error(field, "epoch \(epoch) with \(steps) steps at history position \(index)")
        }
        var terms: [Double?] = []
        for _ in 0..<LossTerms.termCount {
            let present = try r.u8(field) != 0, value = try r.f64(field)
            terms.append(present ? value : nil)
        }
        let n = Int(try r.u32(field + " K count"))
        guard n <= r.remaining / 40 else { throw r.error(field, "\(n) cut-offs do not fit the file") }
        let ks = try (0..<n).map { _ in Int(try r.i64(field)) }
        let series = try (0..<4).map { _ in try (0..<n).map { _ in try r.f64(field) } }
        let users = Int(try r.i64(field))
        let metrics = RankingMetrics(ks: ks, recall: series[0], ndcg: series[1], mrr: series[2], precision: series[3], userCount: users)
        return EpochRecord(epoch: epoch, steps: steps, lossSum: lossSum, meanTerms: LossTerms(all: terms),
                           validation: metrics, validationScore: try r.f64(field), improved: try r.u8(field) != 0,
                           trainSeconds: try r.f64(field), evaluationSeconds: try r.f64(field))
    }

    // MARK: compatibility

    /// Reads and validates a training-state file.
    public static func read(from path: String) throws -> TrainingState {
        try decode(try readFileBytes(path, for: "loading \(path)"), source: path)
    }

    /// Writes the state to `path` atomically (temporary file, fsync, rename).
    public func write(to path: String) throws {
        try writeFileAtomically(path, bytes: try encoded())
    }
}

extension Trainer {
    /// Continues the run saved in the training-state file at `path` (see `resume(from:source:)`).
    public func resume(from path: String) throws {
        try resume(from: TrainingState.read(from: path), source: path)
    }

    /// Prepares `path` for a run that keeps its training state there: `resume` continues the run
    /// saved there; otherwise the file must not exist yet, so that starting a run never overwrites
    /// another run's state by accident (`invalidArgument`).
    public func openState(at path: String, resume: Bool) throws {
        if resume {
            try self.resume(from: path)
        } else if access(path, F_OK) == 0 {
            throw GSAUError.invalidArgument("\(path) exists: resume to continue that run, or remove the file to start over")
        }
    }

    /// `train(savingStateTo:progress:)` with the training state rewritten atomically to `statePath`
    /// after every epoch (open it first with `openState(at:resume:)`).
    public func train(statePath: String,
                      progress: ((TrainingEvent) -> Bool)? = nil) throws -> (model: GSAUModel, result: TrainingResult) {
        try train(savingStateTo: TrainingStateSink { try $0.write(to: statePath) }, progress: progress)
    }
}
