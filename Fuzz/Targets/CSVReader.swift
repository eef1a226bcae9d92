// libFuzzer target: the csv reader (Sources/GSAU/Data) and the dataset built from what it reads.
import GSAU

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSVReader(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    exerciseReader(.csv, data, size)
    return 0
}
