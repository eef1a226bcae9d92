import GSAU
import GSAUHeader

// gsau_dataset_*: load, statistics, free.

@_cdecl("gsau_dataset_options_init")
public func gsau_dataset_options_init(_ opts: UnsafeMutablePointer<gsau_dataset_options>?) {
    guard let opts else { return }
    opts.pointee = gsau_dataset_options(struct_size: UInt32(MemoryLayout<gsau_dataset_options>.size),
                                        format: GSAU_FORMAT_AUTO, min_user_interactions: 0,
                                        min_item_interactions: 0, refuse_short_users: 0,
                                        hold_out: GSAU_HOLD_OUT_LEAVE_ONE_OUT)
}

func datasetOptions(_ opts: UnsafePointer<gsau_dataset_options>?) throws -> DatasetOptions {
    guard let opts else { return DatasetOptions() }
    // hold_out was appended in 0.2: a smaller struct_size (a 0.1 caller) means the default.
    var defaults = gsau_dataset_options()
    gsau_dataset_options_init(&defaults)
    let sizeBefore02 = MemoryLayout<gsau_dataset_options>.offset(of: \gsau_dataset_options.hold_out)
        ?? MemoryLayout<gsau_dataset_options>.size
    let o = try readCallerStruct(opts, minimum: sizeBefore02, defaults: defaults, "gsau_dataset_options")
    let holdOutCode = o.hold_out
    let holdOut: HoldOut
    switch holdOutCode {
    case GSAU_HOLD_OUT_LEAVE_ONE_OUT: holdOut = .leaveOneOut
    case GSAU_HOLD_OUT_LAST: holdOut = .last
    case GSAU_HOLD_OUT_NONE: holdOut = .none
    default: throw BoundaryError.invalid("opts.hold_out is \(holdOutCode); expected GSAU_HOLD_OUT_LEAVE_ONE_OUT/LAST/NONE (0..2)")
    }
    let format: DataFormat?
    switch o.format {
    case GSAU_FORMAT_AUTO: format = nil
    case GSAU_FORMAT_SEQUENCE: format = .sequence
    case GSAU_FORMAT_ATOMIC: format = .atomic
    case GSAU_FORMAT_CSV: format = .csv
    default: throw BoundaryError.invalid("opts.format is \(o.format); expected GSAU_FORMAT_AUTO/SEQUENCE/ATOMIC/CSV (0..3)")
    }
    guard o.min_user_interactions >= 0, o.min_item_interactions >= 0 else {
        throw BoundaryError.invalid("k-core thresholds must be >= 0 (got \(o.min_user_interactions), \(o.min_item_interactions))")
    }
    guard o.refuse_short_users == 0 || o.refuse_short_users == 1 else {
        throw BoundaryError.invalid("opts.refuse_short_users must be 0 or 1 (got \(o.refuse_short_users))")
    }
    return DatasetOptions(format: format, minUserInteractions: Int(o.min_user_interactions),
                          minItemInteractions: Int(o.min_item_interactions),
                          shortUsers: o.refuse_short_users == 1 ? .refuse : .drop, holdOut: holdOut)
}

@_cdecl("gsau_dataset_load")
public func gsau_dataset_load(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ path: UnsafePointer<CChar>?,
                              _ opts: UnsafePointer<gsau_dataset_options>?) -> gsau_status {
    withStatus("gsau_dataset_load") {
        guard let out else { throw BoundaryError.invalid("out is NULL") }
        guard let path else { throw BoundaryError.invalid("path is NULL") }
        let dataset = try Dataset.load(path: String(cString: path), options: try datasetOptions(opts))
        out.pointee = register(DatasetHandle(dataset))
    }
}

@_cdecl("gsau_dataset_free")
public func gsau_dataset_free(_ ds: OpaquePointer?) { release(ds) }

@_cdecl("gsau_dataset_stats_get")
public func gsau_dataset_stats_get(_ ds: OpaquePointer?, _ out: UnsafeMutablePointer<gsau_dataset_stats>?) -> gsau_status {
    withStatus("gsau_dataset_stats_get") {
        let d = try resolve(ds, as: DatasetHandle.self, magic: DatasetHandle.magic, "dataset").dataset
        guard let out else { throw BoundaryError.invalid("out is NULL") }
        try checkStructSize(out.pointee.struct_size, minimum: MemoryLayout<gsau_dataset_stats>.size, "gsau_dataset_stats")
        out.pointee.n_users = Int64(d.userCount)
        out.pointee.n_items = Int64(d.itemCount)
        out.pointee.n_interactions = Int64(d.interactionCount)
        out.pointee.n_train_interactions = Int64(d.trainInteractionCount)
        out.pointee.n_valid = Int64(d.evaluationUsers(.validation).count)
        out.pointee.n_test = Int64(d.evaluationUsers(.test).count)
        out.pointee.n_sequential_train_examples = Int64(d.sequentialTrainExampleCount)
        out.pointee.n_rows_read = Int64(d.report.rowsRead)
        out.pointee.n_rows_removed_by_kcore = Int64(d.report.rowsRemovedByKCore)
        out.pointee.n_users_dropped_short = Int64(d.report.usersDroppedTooShort)
    }
}

@_cdecl("gsau_dataset_from_arrays")
public func gsau_dataset_from_arrays(_ out: UnsafeMutablePointer<OpaquePointer?>?,
                                     _ userIDs: UnsafePointer<UnsafePointer<CChar>?>?,
                                     _ itemIDs: UnsafePointer<UnsafePointer<CChar>?>?,
                                     _ timestamps: UnsafePointer<Double>?, _ n: Int64,
                                     _ opts: UnsafePointer<gsau_dataset_options>?) -> gsau_status {
    withStatus("gsau_dataset_from_arrays") {
        guard let out else { throw BoundaryError.invalid("out is NULL") }
        guard let userIDs, let itemIDs else { throw BoundaryError.invalid("user_ids and item_ids must not be NULL") }
        guard n > 0 else { throw BoundaryError.invalid("n must be positive (got \(n))") }
        try Dataset.checkMemory(interactions: Int(n), source: "<arrays>")
        var users: [String] = [], items: [String] = []
        users.reserveCapacity(Int(n)); items.reserveCapacity(Int(n))
        for i in 0..<Int(n) {
            guard let u = userIDs[i], let it = itemIDs[i] else {
                throw BoundaryError.invalid("interaction \(i) has a NULL \(userIDs[i] == nil ? "user" : "item") id")
            }
            users.append(String(cString: u)); items.append(String(cString: it))
        }
        out.pointee = try arrayDataset(users, items, timestamps, opts)
    }
}

@_cdecl("gsau_dataset_from_int64_arrays")
public func gsau_dataset_from_int64_arrays(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ userIDs: UnsafePointer<Int64>?,
                                           _ itemIDs: UnsafePointer<Int64>?, _ timestamps: UnsafePointer<Double>?,
                                           _ n: Int64, _ opts: UnsafePointer<gsau_dataset_options>?) -> gsau_status {
    withStatus("gsau_dataset_from_int64_arrays") {
        guard let out else { throw BoundaryError.invalid("out is NULL") }
        guard let userIDs, let itemIDs else { throw BoundaryError.invalid("user_ids and item_ids must not be NULL") }
        guard n > 0 else { throw BoundaryError.invalid("n must be positive (got \(n))") }
        try Dataset.checkMemory(interactions: Int(n), source: "<arrays>")
        let users = (0..<Int(n)).map { String(userIDs[$0]) }, items = (0..<Int(n)).map { String(itemIDs[$0]) }
        out.pointee = try arrayDataset(users, items, timestamps, opts)
    }
}

/// A registered dataset from raw-id arrays (the format option does not apply to arrays).
private func arrayDataset(_ users: [String], _ items: [String], _ timestamps: UnsafePointer<Double>?,
                          _ opts: UnsafePointer<gsau_dataset_options>?) throws -> OpaquePointer {
    let times = timestamps.map { t in (0..<users.count).map { t[$0] } }
    var options = try datasetOptions(opts)
    options.format = nil
    return register(DatasetHandle(try Dataset(userIDs: users, itemIDs: items, timestamps: times, options: options)))
}
