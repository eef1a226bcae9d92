/// What a warm start took from the saved model.
public struct WarmStartReport: Sendable, Equatable {
    /// Users and items of the new data that the saved model knew (matched by raw id): their rows
    /// start from the saved values; the others start as a fresh run would.
    public var usersMatched = 0, usersNew = 0
    public var itemsMatched = 0, itemsNew = 0
    /// Shared tensors (transformer, positions, norms, head) copied whole.
    public var sharedTensors = 0
}

/// Overwrites the freshly initialised `parameters` (laid out by `layout`, for `dataset`) with what
/// `saved` knows: the rows of users and items it knows, matched by raw id, in the per-entity
/// tensors (user table, item table, BERT4Rec's per-item output bias), and every other tensor
/// whole. Throws `invalidArgument` naming the first tensor the saved model lacks or has in another
/// shape (the architectures must agree); `parameters` is unchanged then.
func warmStart(_ parameters: inout [Float], layout: ParameterLayout, dataset: Dataset,
               from saved: GSAUModel) throws -> WarmStartReport {
    let userTable = "embedding_layer.user_embedding.weight", itemTable = "embedding_layer.item_embedding.weight"
    let outputBias = "sequential_encoder.output_bias"
    var plan: [(slot: ParameterSlot, old: ParameterSlot)] = []
    for slot in layout.slots {
        let perEntity = [userTable, itemTable, outputBias].contains(slot.name)
        guard let old = saved.layout.slot(named: slot.name) else {
            if perEntity && slot.name == userTable { continue }     // e.g. from a sequence-only model: users start fresh
            throw GSAUError.invalidArgument("warm start: the saved model (\(saved.config.variant.rawValue)) has no tensor \(slot.name)")
        }
        let sameShape = perEntity ? Array(old.shape.dropFirst()) == Array(slot.shape.dropFirst()) : old.shape == slot.shape
        guard sameShape else {
            throw GSAUError.invalidArgument("warm start: tensor \(slot.name) has shape \(old.shape) in the saved model, \(slot.shape) here")
        }
        plan.append((slot, old))
    }
    guard saved.parameters.count == saved.layout.count else {
        throw GSAUError.invalidArgument("warm start: the saved model has \(saved.parameters.count) parameters, its layout \(saved.layout.count)")
    }
    var report = WarmStartReport()
    var result = parameters
    for (slot, old) in plan {
        switch slot.name {
        case userTable, itemTable, outputBias:
            let isUser = slot.name == userTable
            let (map, oldMap) = isUser ? (dataset.users, saved.dataset.users) : (dataset.items, saved.dataset.items)
            let width = slot.shape.count > 1 ? slot.shape[1] : 1
            var matched = 0
            for id in 1..<Int32(map.count) {
                guard let token = map.token(of: id), let oldID = oldMap.id(of: token) else { continue }
                let to = slot.offset + Int(id) * width, from = old.offset + Int(oldID) * width
                result.replaceSubrange(to..<(to + width), with: saved.parameters[from..<(from + width)])
                matched += 1
            }
            if isUser {
                report.usersMatched = matched; report.usersNew = map.count - 1 - matched
            } else if slot.name == itemTable {
                report.itemsMatched = matched; report.itemsNew = map.count - 1 - matched
            }
        default:
            result.replaceSubrange(slot.offset..<(slot.offset + slot.count), with: saved.parameters[old.offset..<(old.offset + old.count)])
            report.sharedTensors += 1
        }
    }
    parameters = result
    return report
}
