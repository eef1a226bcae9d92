import GSAU
import GSAUHeader

// gsau_model_score_to_file: argument checks and conversions only; the engine streams the file
// (QueryEngine.writeScores).

@_cdecl("gsau_model_score_to_file")
public func gsau_model_score_to_file(_ m: OpaquePointer?, _ users: UnsafePointer<Int32>?, _ nUsers: Int32, _ k: Int32,
                                     _ q: UnsafePointer<gsau_query>?, _ format: Int32,
                                     _ path: UnsafePointer<CChar>?) -> gsau_status {
    withStatus("gsau_model_score_to_file") {
        let engine = try resolveModel(m).engine
        guard k > 0 else { throw BoundaryError.invalid("k must be positive (got \(k))") }
        guard let path else { throw BoundaryError.invalid("path is NULL") }
        let fileFormat: ScoreFileFormat
        switch format {
        case GSAU_SCORE_JSONL: fileFormat = .jsonl
        case GSAU_SCORE_CSV: fileFormat = .csv
        default: throw BoundaryError.invalid("format is \(format); use GSAU_SCORE_JSONL (0) or GSAU_SCORE_CSV (1)")
        }
        let list: [Int32]?
        if let users {
            guard nUsers >= 0 else { throw BoundaryError.invalid("n_users must be >= 0 (got \(nUsers))") }
            list = Array(UnsafeBufferPointer(start: users, count: Int(nUsers)))
        } else {
            guard nUsers == 0 else { throw BoundaryError.invalid("users is NULL (every user) but n_users is \(nUsers); pass 0") }
            list = nil
        }
        try engine.writeScores(to: .file(String(cString: path)), userIndices: list, count: Int(k),
                               filter: try itemFilter(q), format: fileFormat)
    }
}
