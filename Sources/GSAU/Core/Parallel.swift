#if canImport(Glibc)
import Glibc
#endif
import Dispatch

/// The number of CPUs the process may use.
@usableFromInline let processorCount = max(1, Int(sysconfProcessors()))

private func sysconfProcessors() -> Int {
    #if canImport(Glibc)
    return Int(Glibc.sysconf(Int32(Glibc._SC_NPROCESSORS_ONLN)))
    #else
    return 1
    #endif
}

/// Splits 0..<count into at most `processorCount` contiguous chunks of at least `minimumChunk`
/// items and runs `body` on each, in parallel when there is more than one. The partition depends
/// only on `count` and the CPU count, and elementwise kernels give the same result for any
/// partition, so results do not depend on the thread count.
@inline(__always)
func parallelChunks(_ count: Int, minimumChunk: Int = 32_768, _ body: (Range<Int>) -> Void) {
    let chunks = max(1, min(processorCount, count / max(1, minimumChunk)))
    if chunks == 1 { body(0..<count); return }
    let size = (count + chunks - 1) / chunks
    withoutActuallyEscaping(body) { body in
        let job = ChunkJob(body: body)
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            job.body((c * size)..<min(count, (c + 1) * size))
        }
    }
}

private struct ChunkJob: @unchecked Sendable {
    let body: (Range<Int>) -> Void
}
