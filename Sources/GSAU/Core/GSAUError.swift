/// Every error the engine reports. The C boundary maps each case to one status code
/// (`include/gsau.h`) and its `description` to the thread's last-error message.
public enum GSAUError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A caller-supplied value is out of its documented range.
    case invalidArgument(String)
    /// An id (raw token or dense index) that the model or dataset does not know.
    case unknownID(String)
    /// The operating system refused a file operation.
    case io(path: String, message: String)
    /// A data file does not follow its format; `line` is 1-based (0 when not tied to a line).
    case malformedInput(path: String, line: Int, message: String)
    /// A checkpoint failed validation.
    case corruptFile(path: String, message: String)
    /// A checkpoint or library of another format version.
    case versionMismatch(String)
    /// Training was stopped by the caller's callback.
    case aborted(String)
    /// Numerical failure (non-finite loss or parameters).
    case numerical(String)
    /// The work would need more memory than the machine has available or the caller allows;
    /// refused before allocating.
    case outOfMemory(String)

    public var description: String {
        switch self {
        case .invalidArgument(let m): return "invalid argument: \(m)"
        case .unknownID(let m): return "unknown id: \(m)"
        case .io(let path, let m): return "\(path): \(m)"
        case .malformedInput(let path, let line, let m):
            return line > 0 ? "\(path):\(line): \(m)" : "\(path): \(m)"
        case .corruptFile(let path, let m): return "\(path): corrupt file: \(m)"
        case .versionMismatch(let m): return "version mismatch: \(m)"
        case .aborted(let m): return "aborted: \(m)"
        case .numerical(let m): return "numerical failure: \(m)"
        case .outOfMemory(let m): return "out of memory: \(m)"
        }
    }
}
