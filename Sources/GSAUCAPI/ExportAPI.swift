import GSAU
import GSAUHeader

// gsau_model_export: the model's scoring tables as a safetensors file (docs/CHECKPOINT.md, "Export").

@_cdecl("gsau_model_export")
public func gsau_model_export(_ m: OpaquePointer?, _ path: UnsafePointer<CChar>?) -> gsau_status {
    withStatus("gsau_model_export") {
        let engine = try resolveModel(m).engine
        guard let path else { throw BoundaryError.invalid("path is NULL") }
        try engine.exportScoringTables(to: String(cString: path))
    }
}
