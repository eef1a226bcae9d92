import Glibc
import GSAU
import GSAUHeader

// gsau_config_*, gsau_train, gsau_model_*: conversions between the C structs and the engine's
// types; every decision is the engine's.

final class ModelHandle: Handle {
    static let magic: UInt32 = 0x4753_4D44   // "GSMD"
    let model: GSAUModel
    /// Built once here, so concurrent first queries never race to build it.
    let engine: QueryEngine
    let result: TrainingResult?
    /// C strings of the raw ids, index = dense index (0 = padding), owned by the handle.
    let itemTokens: [UnsafeMutablePointer<CChar>?]
    let userTokens: [UnsafeMutablePointer<CChar>?]
    let variantName: UnsafeMutablePointer<CChar>?

    init(_ model: GSAUModel, result: TrainingResult?) throws {
        self.model = model
        self.result = result
        engine = try QueryEngine(model: model)
        itemTokens = model.dataset.items.tokens.map { strdup($0) }
        userTokens = model.dataset.users.tokens.map { strdup($0) }
        variantName = strdup(model.config.variant.rawValue)
        super.init(magic: ModelHandle.magic)
    }

    deinit { for p in itemTokens + userTokens + [variantName] { free(p) } }
}

/// The handle-owned C string of dense index `index` (1..<tokens.count) of a user or item map.
func rawID(_ tokens: [UnsafeMutablePointer<CChar>?], _ index: Int32, _ kind: String) throws -> UnsafePointer<CChar> {
    guard index >= 1 && Int(index) < tokens.count, let token = tokens[Int(index)] else {
        throw GSAUError.unknownID("\(kind) index \(index) (the model has \(kind)s 1...\(tokens.count - 1))")
    }
    return UnsafePointer(token)
}

/// The dense index of a raw id given as a C string, in a user or item map.
func denseIndex(_ map: IDMap, _ rawID: UnsafePointer<CChar>?, _ kind: String) throws -> Int32 {
    guard let rawID else { throw BoundaryError.invalid("\(kind)_id is NULL") }
    let token = String(cString: rawID)
    guard let index = map.id(of: token) else { throw GSAUError.unknownID("\(kind) '\(token)'") }
    return index
}

func resolveModel(_ m: OpaquePointer?) throws -> ModelHandle {
    try resolve(m, as: ModelHandle.self, magic: ModelHandle.magic, "model")
}

/// sizeof(gsau_config) before 0.3 appended graph_score_weight: the least a caller may pass.
let configSizeBefore03 = MemoryLayout<gsau_config>.offset(of: \gsau_config.graph_score_weight) ?? MemoryLayout<gsau_config>.size
/// sizeof(gsau_model_info) before 0.3 appended vector_width.
let modelInfoSizeBefore03 = MemoryLayout<gsau_model_info>.offset(of: \gsau_model_info.vector_width) ?? MemoryLayout<gsau_model_info>.size

/// The defaults of gsau_config_default as a value.
func defaultConfig() -> gsau_config {
    var c = gsau_config()
    gsau_config_default(&c)
    return c
}

@_cdecl("gsau_config_default")
public func gsau_config_default(_ cfg: UnsafeMutablePointer<gsau_config>?) {
    guard let cfg else { return }
    let options = TrainingOptions()
    var c = gsau_config()
    c.struct_size = UInt32(MemoryLayout<gsau_config>.size)
    store(ModelConfig(), into: &c)
    storeDefaultMarkers(into: &c)
    c.epochs = Int32(options.epochs); c.patience = Int32(options.patience); c.threads = Int32(options.threads)
    cfg.pointee = c
}

/// The variants' names as C strings, index = position in `Variant.allCases` (never freed).
private let variantNames: [UnsafeMutablePointer<CChar>?] = Variant.allCases.map { strdup($0.rawValue) }

@_cdecl("gsau_variant_count")
public func gsau_variant_count() -> Int32 { Int32(variantNames.count) }

@_cdecl("gsau_variant_name")
public func gsau_variant_name(_ index: Int32) -> UnsafePointer<CChar>? {
    index >= 0 && Int(index) < variantNames.count ? UnsafePointer(variantNames[Int(index)]) : nil
}

@_cdecl("gsau_config_resolve")
public func gsau_config_resolve(_ cfg: UnsafeMutablePointer<gsau_config>?) -> gsau_status {
    withStatus("gsau_config_resolve") {
        guard let cfg else { throw BoundaryError.invalid("cfg is NULL") }
        let (config, _) = try configuration(UnsafePointer(cfg))
        guard let index = Variant.allCases.firstIndex(of: config.variant) else {
            throw BoundaryError.invalid("variant \(config.variant.rawValue) is not listed")
        }
        try withCallerStruct(cfg, minimum: configSizeBefore03, defaults: defaultConfig(), "gsau_config") { c in
            store(config, into: &c)
            c.variant = UnsafePointer(variantNames[index])
        }
    }
}

/// The engine configuration and training options a gsau_config describes (defaults when NULL).
func configuration(_ cfg: UnsafePointer<gsau_config>?) throws -> (ModelConfig, TrainingOptions) {
    var c = defaultConfig()
    if let cfg { c = try readCallerStruct(cfg, minimum: configSizeBefore03, defaults: c, "gsau_config") }
    let name = c.variant.map { String(cString: $0) } ?? Variant.gsauRec.rawValue
    guard let variant = Variant(rawValue: name) else {
        throw GSAUError.invalidArgument("unknown variant '\(name)'; available: \(Variant.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    let config = try ModelConfig.resolved(variant: variant, overrides: configOverrides(c))
    var options = TrainingOptions()
    options.epochs = Int(c.epochs)
    options.patience = Int(c.patience)
    options.threads = Int(c.threads)
    try options.validate()
    return (config, options)
}

public typealias GSAUProgressFunction = @convention(c) (Int32, Int32, Int32, Double, Double, UnsafeMutableRawPointer?) -> Int32

@_cdecl("gsau_train")
public func gsau_train(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ ds: OpaquePointer?,
                       _ cfg: UnsafePointer<gsau_config>?, _ progress: GSAUProgressFunction?,
                       _ userData: UnsafeMutableRawPointer?) -> gsau_status {
    withStatus("gsau_train") {
        try train(out, ds, cfg, statePath: nil, resume: false, progress, userData)
    }
}

@_cdecl("gsau_train_from")
public func gsau_train_from(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ ds: OpaquePointer?,
                            _ cfg: UnsafePointer<gsau_config>?, _ start: OpaquePointer?,
                            _ progress: GSAUProgressFunction?, _ userData: UnsafeMutableRawPointer?) -> gsau_status {
    withStatus("gsau_train_from") {
        let saved = try resolveModel(start).model
        try train(out, ds, cfg, statePath: nil, resume: false, warmStart: saved, progress, userData)
    }
}

@_cdecl("gsau_train_resumable")
public func gsau_train_resumable(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ ds: OpaquePointer?,
                                 _ cfg: UnsafePointer<gsau_config>?, _ statePath: UnsafePointer<CChar>?,
                                 _ resume: Int32, _ progress: GSAUProgressFunction?,
                                 _ userData: UnsafeMutableRawPointer?) -> gsau_status {
    withStatus("gsau_train_resumable") {
        guard let statePath else { throw BoundaryError.invalid("state_path is NULL") }
        try train(out, ds, cfg, statePath: String(cString: statePath), resume: resume != 0, progress, userData)
    }
}

/// The body of gsau_train, gsau_train_from and gsau_train_resumable.
private func train(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ ds: OpaquePointer?,
                   _ cfg: UnsafePointer<gsau_config>?, statePath: String?, resume: Bool, warmStart saved: GSAUModel? = nil,
                   _ progress: GSAUProgressFunction?, _ userData: UnsafeMutableRawPointer?) throws {
    let dataset = try resolve(ds, as: DatasetHandle.self, magic: DatasetHandle.magic, "dataset").dataset
    guard let out else { throw BoundaryError.invalid("out is NULL") }
    let (config, options) = try configuration(cfg)
    let trainer = try Trainer(config: config, dataset: dataset, options: options)
    if let saved { try trainer.warmStart(from: saved) }
    if let statePath { try trainer.openState(at: statePath, resume: resume) }
    let report = { (event: TrainingEvent) -> Bool in
        guard let progress else { return true }
        switch event {
        case .step(let epoch, let step, let steps, let loss):
            return progress(Int32(epoch), Int32(step), Int32(steps), loss, .nan, userData) == 0
        case .epochEnd(let record):
            return progress(Int32(record.epoch), -1, Int32(record.steps), record.lossSum, record.validationScore, userData) == 0
        }
    }
    let (model, result) = try statePath.map { try trainer.train(statePath: $0, progress: report) } ?? trainer.train(progress: report)
    out.pointee = register(try ModelHandle(model, result: result))
    if result.stopReason == .aborted {
        throw GSAUError.aborted("the progress callback stopped training after \(result.history.count) epoch(s); the model holds the best epoch so far")
    }
}

@_cdecl("gsau_model_free")
public func gsau_model_free(_ m: OpaquePointer?) { release(m) }

@_cdecl("gsau_model_info_get")
public func gsau_model_info_get(_ m: OpaquePointer?, _ out: UnsafeMutablePointer<gsau_model_info>?) -> gsau_status {
    withStatus("gsau_model_info_get") {
        let handle = try resolveModel(m)
        guard let out else { throw BoundaryError.invalid("out is NULL") }
        let model = handle.model, result = handle.result
        try withCallerStruct(out, minimum: modelInfoSizeBefore03, defaults: gsau_model_info(), "gsau_model_info") { info in
            info.n_users = Int64(model.dataset.userCount)
            info.n_items = Int64(model.dataset.itemCount)
            info.embedding_size = Int32(model.config.embeddingSize)
            info.predicts_with_graph = model.config.predictWithGraph ? 1 : 0
            info.n_parameters = Int64(model.layout.count)
            info.best_epoch = Int32(result.flatMap { r in r.bestEpoch.map { r.history[$0].epoch } } ?? -1)
            info.epochs_run = Int32(result?.history.count ?? 0)
            info.test_recall_at_10 = result?.test?["recall@10"] ?? .nan
            info.test_ndcg_at_10 = result?.test?["ndcg@10"] ?? .nan
            info.vector_width = Int32(handle.engine.scorer.width)
        }
    }
}

@_cdecl("gsau_model_evaluate")
public func gsau_model_evaluate(_ m: OpaquePointer?, _ split: Int32, _ ks: UnsafePointer<Int32>?, _ nKs: Int32,
                                _ out: UnsafeMutablePointer<Double>?) -> gsau_status {
    withStatus("gsau_model_evaluate") {
        let handle = try resolveModel(m)
        guard split == GSAU_SPLIT_VALIDATION || split == GSAU_SPLIT_TEST else {
            throw BoundaryError.invalid("split is \(split); use GSAU_SPLIT_VALIDATION (0) or GSAU_SPLIT_TEST (1)")
        }
        guard let ks, let out else { throw BoundaryError.invalid("ks and out must not be NULL") }
        guard nKs > 0 else { throw BoundaryError.invalid("n_ks must be positive (got \(nKs))") }
        let cutoffs = (0..<Int(nKs)).map { Int(ks[$0]) }
        let metrics = try handle.model.evaluate(with: handle.engine.scorer, split: split == GSAU_SPLIT_TEST ? .test : .validation, ks: cutoffs)
        for j in 0..<cutoffs.count {
            out[4 * j] = metrics.recall[j]; out[4 * j + 1] = metrics.mrr[j]
            out[4 * j + 2] = metrics.ndcg[j]; out[4 * j + 3] = metrics.precision[j]
        }
    }
}

@_cdecl("gsau_model_select_graph_score_weight")
public func gsau_model_select_graph_score_weight(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ m: OpaquePointer?,
                                                 _ candidates: UnsafePointer<Double>?, _ n: Int32,
                                                 _ validOut: UnsafeMutablePointer<Double>?) -> gsau_status {
    withStatus("gsau_model_select_graph_score_weight") {
        let handle = try resolveModel(m)
        guard let out else { throw BoundaryError.invalid("out is NULL") }
        let weights: [Double]
        if let candidates {
            guard n > 0 else { throw BoundaryError.invalid("n must be positive when candidates are given (got \(n))") }
            weights = Array(UnsafeBufferPointer(start: candidates, count: Int(n)))
        } else {
            weights = GSAUModel.defaultGraphScoreWeights
        }
        let (model, trials) = try handle.model.selectingGraphScoreWeight(from: weights)
        let selected = try ModelHandle(model, result: nil)
        if let validOut { for (k, trial) in trials.enumerated() { validOut[k] = trial.validation } }
        out.pointee = register(selected)
    }
}

@_cdecl("gsau_graph_score_weight_ladder")
public func gsau_graph_score_weight_ladder(_ out: UnsafeMutablePointer<Double>?, _ capacity: Int32) -> Int32 {
    let ladder = GSAUModel.defaultGraphScoreWeights
    if let out { for (k, w) in ladder.prefix(max(0, Int(capacity))).enumerated() { out[k] = w } }
    return Int32(ladder.count)
}

@_cdecl("gsau_model_item_embeddings")
public func gsau_model_item_embeddings(_ m: OpaquePointer?, _ out: UnsafeMutablePointer<Float>?, _ capacity: Int64) -> gsau_status {
    withStatus("gsau_model_item_embeddings") {
        let handle = try resolveModel(m), model = handle.model
        guard let out else { throw BoundaryError.invalid("out is NULL") }
        let table = handle.engine.itemVectors()
        guard capacity >= Int64(table.count) else {
            throw BoundaryError.invalid("capacity is \(capacity) floats; the item table needs \(table.count) (\(model.itemCount) rows x \(handle.engine.scorer.width))")
        }
        table.withUnsafeBufferPointer { out.update(from: $0.baseAddress!, count: $0.count) }
    }
}

@_cdecl("gsau_model_item_id")
public func gsau_model_item_id(_ m: OpaquePointer?, _ item: Int32, _ out: UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> gsau_status {
    withStatus("gsau_model_item_id") {
        let handle = try resolveModel(m)
        guard let out else { throw BoundaryError.invalid("out is NULL") }
        out.pointee = try rawID(handle.itemTokens, item, "item")
    }
}

@_cdecl("gsau_model_item_index")
public func gsau_model_item_index(_ m: OpaquePointer?, _ itemID: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<Int32>?) -> gsau_status {
    withStatus("gsau_model_item_index") {
        let model = try resolveModel(m).model
        guard let out else { throw BoundaryError.invalid("out is NULL") }
        out.pointee = try denseIndex(model.dataset.items, itemID, "item")
    }
}

@_cdecl("gsau_model_user_vectors")
public func gsau_model_user_vectors(_ m: OpaquePointer?, _ users: UnsafePointer<Int32>?, _ nUsers: Int32,
                                    _ out: UnsafeMutablePointer<Float>?) -> gsau_status {
    withStatus("gsau_model_user_vectors") {
        let handle = try resolveModel(m)
        guard let users, let out else { throw BoundaryError.invalid("users and out must not be NULL") }
        guard nUsers > 0 else { throw BoundaryError.invalid("n_users must be positive (got \(nUsers))") }
        let d = handle.engine.scorer.width
        // Every index first: on failure out stays untouched.
        for b in 0..<Int(nUsers) { try handle.engine.checkUser(users[b]) }
        for b in 0..<Int(nUsers) { try handle.engine.userVector(userIndex: users[b], into: out + b * d) }
    }
}

@_cdecl("gsau_model_config_get")
public func gsau_model_config_get(_ m: OpaquePointer?, _ cfg: UnsafeMutablePointer<gsau_config>?) -> gsau_status {
    withStatus("gsau_model_config_get") {
        let handle = try resolveModel(m)
        guard let cfg else { throw BoundaryError.invalid("cfg is NULL") }
        try withCallerStruct(cfg, minimum: configSizeBefore03, defaults: defaultConfig(), "gsau_config") { c in
            let size = c.struct_size
            c = defaultConfig()
            c.struct_size = size
            store(handle.model.config, into: &c)
            c.variant = UnsafePointer(handle.variantName)
        }
    }
}
