import Glibc
import GSAU
import GSAUHeader

// Versions, status strings, diagnostics and the memory limit.

/// GSAU_VERSION_STRING of include/gsau.h (the one place the version is written), as a static C string.
private let versionString: UnsafeMutablePointer<CChar>? = strdup(GSAU_VERSION_STRING)

private func cString(_ s: StaticString) -> UnsafePointer<CChar> {
    UnsafeRawPointer(s.utf8Start).assumingMemoryBound(to: CChar.self)
}

@_cdecl("gsau_version_string")
public func gsau_version_string() -> UnsafePointer<CChar> { UnsafePointer(versionString) ?? cString("unknown") }

@_cdecl("gsau_version_number")
public func gsau_version_number() -> Int32 { Int32(GSAU_VERSION_MAJOR * 10000 + GSAU_VERSION_MINOR * 100 + GSAU_VERSION_PATCH) }

@_cdecl("gsau_abi_version")
public func gsau_abi_version() -> Int32 { Int32(GSAU_ABI_VERSION) }

@_cdecl("gsau_status_string")
public func gsau_status_string(_ status: gsau_status) -> UnsafePointer<CChar> {
    switch status {
    case GSAU_OK: return cString("ok")
    case GSAU_E_INVALID_ARGUMENT: return cString("invalid argument")
    case GSAU_E_UNKNOWN_ID: return cString("unknown id")
    case GSAU_E_IO: return cString("i/o error")
    case GSAU_E_MALFORMED_INPUT: return cString("malformed input")
    case GSAU_E_CORRUPT_FILE: return cString("corrupt file")
    case GSAU_E_VERSION_MISMATCH: return cString("version mismatch")
    case GSAU_E_OUT_OF_MEMORY: return cString("out of memory")
    case GSAU_E_ABORTED: return cString("aborted")
    case GSAU_E_MISUSE: return cString("misuse")
    case GSAU_E_NUMERICAL: return cString("numerical failure")
    case GSAU_E_INTERNAL: return cString("internal error")
    default: return cString("unknown status")
    }
}

@_cdecl("gsau_system_info_get")
public func gsau_system_info_get(_ out: UnsafeMutablePointer<gsau_system_info>?) -> gsau_status {
    withStatus("gsau_system_info_get") {
        guard let out else { throw BoundaryError.invalid("out is NULL") }
        try checkStructSize(out.pointee.struct_size, minimum: MemoryLayout<gsau_system_info>.size, "gsau_system_info")
        out.pointee.blas_core_name = BLASInfo.coreNamePointer
        out.pointee.blas_threads = Int32(BLASInfo.threads)
        out.pointee.hardware_threads = Int32(BLASInfo.hardwareThreads)
        out.pointee.blas_generic_fallback = BLASInfo.isGenericFallback ? 1 : 0
    }
}

@_cdecl("gsau_memory_limit")
public func gsau_memory_limit(_ bytes: Int64) -> Int64 {
    guard bytes >= 0 else { return Int64(MemoryLimit.current) }
    return Int64((try? MemoryLimit.set(Int(bytes))) ?? MemoryLimit.current)   // cannot fail for bytes >= 0
}
