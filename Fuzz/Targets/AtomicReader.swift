// libFuzzer target: the atomic reader (Sources/GSAU/Data) and the dataset built from what it reads.
import GSAU

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAtomicReader(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    exerciseReader(.atomic, data, size)
    return 0
}
