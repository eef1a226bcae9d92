import CBLAS

/// What the BLAS library reports about itself: which kernel family OpenBLAS selected for this CPU
/// and how many threads it uses. OpenBLAS 0.3.21 falls back to its generic "Prescott" kernels on
/// CPUs it does not recognise; `OPENBLAS_CORETYPE` (set before the library loads) chooses another.
public enum BLASInfo {
    /// The OpenBLAS core name, e.g. "Prescott", "SkylakeX", "Cooperlake".
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// The number of threads OpenBLAS uses for one call.
    public static var threads: Int { Int(openblas_get_num_threads()) }

    /// Sets the number of threads OpenBLAS uses (values below 1 are treated as 1).
    public static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }

    /// True when OpenBLAS runs its generic fallback kernels although a better family would apply.
    public static var isGenericFallback: Bool {
        let name = coreName.lowercased()
        return name == "prescott" || name == "core2" || name == "katmai" || name == "generic"
    }

    /// One line for logs and benchmark output, e.g. "OpenBLAS core=Prescott threads=2".
    public static var summary: String { "OpenBLAS core=\(coreName) threads=\(threads)" }
}

extension BLASInfo {
    /// The OpenBLAS core name as the library's own static C string (for the C API).
    public static var coreNamePointer: UnsafePointer<CChar>? { UnsafePointer(openblas_get_corename()) }
}
