import GSAU
import GSAUHeader

// gsau_config <-> ModelConfig, driven by ConfigSchema: a struct member whose name is a schema
// field carries that field (gsau.h documents the members). The members are found by reflecting
// over the imported struct: Mirror lists them in declaration order, and C places each at the next
// multiple of its size (every member here is a naturally aligned scalar or pointer).
// ConfigMappingTests checks the computed offsets against MemoryLayout.

/// A scalar member of an imported C struct at a byte offset.
struct CStructMember {
    enum Kind { case int32, uint32, int64, uint64, double, pointer }
    let name: String
    let offset: Int
    let kind: Kind
}

/// The members of `sample`'s C struct type, in declaration order (nil when a member's type is not
/// one of `Kind`).
func cStructMembers<S>(of sample: S) -> [CStructMember]? {
    var members: [CStructMember] = [], offset = 0
    for child in Mirror(reflecting: sample).children {
        guard let name = child.label else { return nil }
        let kind: CStructMember.Kind, size: Int
        switch child.value {
        case is Int32: (kind, size) = (.int32, 4)
        case is UInt32: (kind, size) = (.uint32, 4)
        case is Int64: (kind, size) = (.int64, 8)
        case is UInt64: (kind, size) = (.uint64, 8)
        case is Double: (kind, size) = (.double, 8)
        case is UnsafePointer<CChar>?: (kind, size) = (.pointer, MemoryLayout<UnsafeRawPointer>.size)
        default: return nil
        }
        offset = (offset + size - 1) / size * size
        members.append(CStructMember(name: name, offset: offset, kind: kind))
        offset += size
    }
    return members
}

/// The gsau_config members that carry a ModelConfig field, with the field.
let configMembers: [(member: CStructMember, field: ConfigField)] =
    (cStructMembers(of: gsau_config()) ?? []).compactMap { member in
        guard member.kind != .pointer, let field = ConfigSchema.field(named: member.name) else { return nil }
        return (member, field)
    }

extension ConfigField {
    /// gsau.h's "use the default" marker for this field: a negative number for a field whose
    /// default depends on the variant, 0 for a field that follows another (graph_layers).
    func isDefaultMarker(_ value: ConfigValue) -> Bool {
        switch value {
        case .float(let x) where dependsOnVariant: return x < 0
        case .int(let i) where defaultsTo != nil: return i == 0
        default: return false
        }
    }
}

/// The value of `member` in the struct's bytes.
private func read(_ member: CStructMember, _ raw: UnsafeRawBufferPointer) -> ConfigValue? {
    switch member.kind {
    case .int32: return .int(Int(raw.loadUnaligned(fromByteOffset: member.offset, as: Int32.self)))
    case .uint32: return .int(Int(raw.loadUnaligned(fromByteOffset: member.offset, as: UInt32.self)))
    case .int64: return .int(Int(raw.loadUnaligned(fromByteOffset: member.offset, as: Int64.self)))
    case .uint64: return .uint(raw.loadUnaligned(fromByteOffset: member.offset, as: UInt64.self))
    case .double: return .float(raw.loadUnaligned(fromByteOffset: member.offset, as: Double.self))
    case .pointer: return nil
    }
}

/// Stores `value` into `member` (integers saturate to the member's width; validated configs fit).
private func write(_ value: ConfigValue, _ member: CStructMember, _ raw: UnsafeMutableRawBufferPointer) {
    switch (member.kind, value) {
    case (.int32, .int(let i)): raw.storeBytes(of: Int32(clamping: i), toByteOffset: member.offset, as: Int32.self)
    case (.uint32, .int(let i)): raw.storeBytes(of: UInt32(clamping: i), toByteOffset: member.offset, as: UInt32.self)
    case (.int64, .int(let i)): raw.storeBytes(of: Int64(i), toByteOffset: member.offset, as: Int64.self)
    case (.uint64, .uint(let u)): raw.storeBytes(of: u, toByteOffset: member.offset, as: UInt64.self)
    case (.double, .float(let x)): raw.storeBytes(of: x, toByteOffset: member.offset, as: Double.self)
    default: break
    }
}

/// The fields a gsau_config sets: every schema member except those holding a default marker.
func configOverrides(_ c: gsau_config) -> [(name: String, value: ConfigValue)] {
    var c = c
    return withUnsafeBytes(of: &c) { raw in
        configMembers.compactMap { member, field in
            guard let value = read(member, raw), !field.isDefaultMarker(value) else { return nil }
            return (field.name, value)
        }
    }
}

/// Writes every schema member of `config` into `c` (the variant pointer is the caller's).
func store(_ config: ModelConfig, into c: inout gsau_config) {
    withUnsafeMutableBytes(of: &c) { raw in
        for (member, field) in configMembers { write(field.value(in: config), member, raw) }
    }
}

/// Writes the default markers of gsau.h into `c` (see `isDefaultMarker`).
func storeDefaultMarkers(into c: inout gsau_config) {
    withUnsafeMutableBytes(of: &c) { raw in
        for (member, field) in configMembers {
            if field.dependsOnVariant, case .float = field.value(in: ModelConfig()) { write(.float(-1), member, raw) }
            if field.defaultsTo != nil { write(.int(0), member, raw) }
        }
    }
}
