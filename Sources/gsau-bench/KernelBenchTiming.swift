import GSAU
import Glibc

// The timing harness of `gsau-bench kernels` (KernelBench.swift): buffers, one timed line per
// kernel, the JSON of all timings, and the check that the kernels run Float-specialised.

/// A heap array of Float that is never moved (kernels take raw pointers).
final class Floats {
    let count: Int
    let p: UnsafeMutablePointer<Float>
    init(_ count: Int, value: Float = 0) {
        self.count = max(count, 1)
        p = .allocate(capacity: self.count)
        p.initialize(repeating: value, count: self.count)
    }
    /// Normal(0, std) entries.
    convenience init(_ count: Int, std: Float, rng: inout RandomGenerator) {
        self.init(count)
        for i in 0..<count { p[i] = Float(rng.nextNormal()) * std }
    }
    deinit { p.deallocate() }
}

private struct KernelTiming {
    let name: String
    let shape: String
    let seconds: Double
    let flops: Double
    let bytes: Double?
    let bytesModel: String?
}

func padded(_ s: String, _ width: Int, right: Bool = false) -> String {
    if s.count >= width { return s }
    let fill = String(repeating: " ", count: width - s.count)
    return right ? fill + s : s + fill
}

func loadAverage() -> String {
    guard let f = fopen("/proc/loadavg", "r") else { return "unknown" }
    defer { fclose(f) }
    var buffer = [CChar](repeating: 0, count: 128)
    guard fgets(&buffer, 128, f) != nil else { return "unknown" }
    let text = String(cString: buffer)
    return text.split(separator: " ").prefix(3).joined(separator: " ")
}

/// Times kernels and keeps every timing for the step estimate and the JSON.
final class KernelBench {
    let runs: Int
    let warmups = 3
    private var timings: [KernelTiming] = []
    private var byName: [String: Double] = [:]

    init(runs: Int) { self.runs = max(1, runs) }

    /// Prints the column titles.
    func printColumns() {
        print("\n" + padded("kernel", 34) + padded("shape", 30) + padded("ms", 10, right: true) + padded("MFLOP", 11, right: true)
              + padded("GFLOP/s", 9, right: true) + padded("GB/s", 8, right: true) + "  bytes model")
    }

    func header(_ title: String) { print("\n-- \(title)") }

    /// Times `body` and prints one line. `bytes` (with its model) marks a memory-bound kernel.
    @discardableResult
    func measure(_ name: String, _ shape: String, flops: Double, bytes: Double? = nil, model: String? = nil,
                 _ body: () throws -> Void) rethrows -> Double {
        for _ in 0..<warmups { try body() }
        let seconds = median(try timeRuns(runs, body))
        timings.append(KernelTiming(name: name, shape: shape, seconds: seconds, flops: flops, bytes: bytes, bytesModel: model))
        byName[name] = seconds
        var line = padded(name, 34) + padded(shape, 30) + padded(fixed(seconds * 1e3, 3), 10, right: true)
        line += padded(fixed(flops / 1e6, 1), 11, right: true)
        line += padded(fixed(flops / seconds / 1e9, 2), 9, right: true)
        if let bytes {
            line += padded(fixed(bytes / seconds / 1e9, 2), 8, right: true) + "  " + (model ?? "")
        }
        print(line)
        return seconds
    }

    func seconds(_ name: String) -> Double {
        guard let s = byName[name] else { fatalError("kernel \(name) was not measured") }
        return s
    }

    func json() -> JSONObject {
        var kernels = JSONObject()
        for t in timings {
            var k = JSONObject()
            k.set("seconds_median", t.seconds)
            k.set("flops", t.flops)
            k.set("gflops", t.flops / t.seconds / 1e9)
            if let bytes = t.bytes {
                k.set("bytes", bytes)
                k.set("gbytes_per_second", bytes / t.seconds / 1e9)
                if let model = t.bytesModel { k.set("bytes_model", model) }
            }
            k.set("shape", t.shape)
            kernels.set(t.name, object: k)
        }
        return kernels
    }
}

/// Ratio of the time of the library's `dropoutBackward` to the same loop written here for Float.
///
/// The kernels are generic over `GSAUScalar` and not `@inlinable`, so a plain release build of this
/// executable calls their UNSPECIALIZED entry points (every + and · through the protocol witness
/// table, 10–100× slower), while the engine itself runs Float-specialized copies inside the GSAU
/// module (whole-module optimisation). The GSAU target's `-cross-module-optimization` makes the
/// kernel bodies available here, and this ratio is then about 1.
func specializationRatio() -> Double {
    let n = 1 << 20
    let dx = Floats(n), dy = Floats(n, value: 0.5), mask = Floats(n, value: 2)
    func best(_ body: () -> Void) -> Double {
        for _ in 0..<2 { body() }
        return timeRuns(5, body).min()!
    }
    let library = best { dropoutBackward(dInput: dx.p, dOutput: dy.p, mask: mask.p, count: n) }
    let local = best {
        let x = dx.p, y = dy.p, m = mask.p
        for i in 0..<n { x[i] += y[i] * m[i] }
    }
    return library / local
}
