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

    /// The number of threads one matrix product is split over (OpenBLAS itself runs one thread
    /// per call; see ProductThreads.swift).
    public static var threads: Int { ProductThreads.count.load(ordering: .relaxed) }

    /// Sets the number of threads products are split over (values below 1 are treated as 1).
    public static func setThreads(_ n: Int) { ProductThreads.count.store(max(1, n), ordering: .relaxed) }

    /// The number of CPUs the process may use (the one source of that number in the engine).
    public static var hardwareThreads: Int { processorCount }

    /// True when OpenBLAS runs its generic fallback kernels although a better family would apply.
    public static var isGenericFallback: Bool {
        let name = coreName.lowercased()
        return name == "prescott" || name == "core2" || name == "katmai" || name == "generic"
    }

    /// One line for logs and benchmark output, e.g. "OpenBLAS core=Prescott threads=2" (threads:
    /// what one product is split over).
    public static var summary: String { "OpenBLAS core=\(coreName) threads=\(threads)" }
}

extension BLASInfo {
    /// The OpenBLAS core name as the library's own static C string (for the C API).
    public static var coreNamePointer: UnsafePointer<CChar>? { UnsafePointer(openblas_get_corename()) }
}

extension BLASInfo {
    /// The CPU's vector extensions relevant to OpenBLAS's kernel choice, read from /proc/cpuinfo
    /// (empty where that file does not exist).
    public static var cpuVectorFeatures: Set<String> {
        guard let bytes = try? readFileBytes("/proc/cpuinfo") else { return [] }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
        let wanted: Set<String> = ["avx512f", "avx2", "fma", "avx"]
        return Set(line.split(separator: " ").map(String.init).filter { wanted.contains($0) })
    }

    /// The OPENBLAS_CORETYPE to suggest for this CPU when OpenBLAS fell back to its generic kernels
    /// (nil when it did not, or when the CPU has neither AVX-512 nor AVX2).
    public static var suggestedCoreType: String? {
        guard isGenericFallback else { return nil }
        let features = cpuVectorFeatures
        if features.contains("avx512f") { return "SkylakeX" }
        if features.contains("avx2") { return "Haswell" }
        return nil
    }
}
