// libFuzzer target: the sequence reader (Sources/GSAU/Data) and the dataset built from what it reads.
import GSAU

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSequenceReader(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    exerciseReader(.sequence, data, size)
    return 0
}
