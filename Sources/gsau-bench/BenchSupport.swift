import GSAU
import Glibc

/// Wall-clock seconds of `body`, run `runs` times; returns every run's time.
func timeRuns(_ runs: Int, _ body: () throws -> Void) rethrows -> [Double] {
    var times: [Double] = []
    let clock = ContinuousClock()
    for _ in 0..<runs {
        let start = clock.now
        try body()
        let d = clock.now - start
        times.append(Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
    }
    return times
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// A JSON object written by hand (keys in insertion order); values may be nested objects.
struct JSONObject {
    private enum Value { case raw(String), object(JSONObject) }
    private var fields: [(String, Value)] = []
    var isEmpty: Bool { fields.isEmpty }
    mutating func set(_ key: String, _ value: String) { fields.append((key, .raw("\"\(value.replacingQuotes())\""))) }
    mutating func set(_ key: String, _ value: Double) { fields.append((key, .raw(value.isFinite ? "\(value)" : "null"))) }
    mutating func set(_ key: String, _ value: Int) { fields.append((key, .raw("\(value)"))) }
    mutating func set(_ key: String, _ values: [Double]) { fields.append((key, .raw("[" + values.map { "\($0)" }.joined(separator: ", ") + "]"))) }
    /// A nested object (any depth), indented one level deeper than its key.
    mutating func set(_ key: String, object: JSONObject) { fields.append((key, .object(object))) }
    func text(indent: String = "") -> String {
        if fields.isEmpty { return "{}" }
        let inner = indent + "  "
        return "{\n" + fields.map { key, value -> String in
            let rendered: String
            switch value {
            case .raw(let text): rendered = text
            case .object(let object): rendered = object.text(indent: inner)
            }
            return "\(inner)\"\(key.replacingQuotes())\": \(rendered)"
        }.joined(separator: ",\n") + "\n\(indent)}"
    }
}

extension String {
    func replacingQuotes() -> String {
        var out = ""
        for c in self { if c == "\"" || c == "\\" { out.append("\\") }; out.append(c) }
        return out
    }
}

/// Writes a result file atomically (temporary file + rename) and echoes it.
func writeResult(_ json: JSONObject, to path: String) {
    let text = json.text() + "\n"
    print(text, terminator: "")
    let tmp = path + ".tmp"
    guard let f = fopen(tmp, "w") else { print("cannot write \(tmp)"); return }
    fputs(text, f)
    fclose(f)
    rename(tmp, path)
    print("wrote \(path)")
}

/// The machine's sgemm GFLOP/s (`measureSgemm`), measured once per process at its first use (the
/// first line every benchmark prints) and recorded in every result file.
let machineSgemmGflops = measureSgemm()

/// The line every benchmark starts with: BLAS core, threads per product, hardware threads, sgemm.
func machineSummary() -> String {
    "\(BLASInfo.summary), hardware threads \(BLASInfo.hardwareThreads), sgemm [2048x64]x[64x12101] \(fixed(machineSgemmGflops, 1)) GFLOP/s"
}

func machineFields(_ json: inout JSONObject) {
    json.set("blas_core", BLASInfo.coreName)
    json.set("blas_threads", BLASInfo.threads)
    json.set("hardware_threads", BLASInfo.hardwareThreads)
    json.set("sgemm_gflops", machineSgemmGflops)
}

extension String {
    func replacingOccurrences(_ a: Character, _ b: Character) -> String { String(map { $0 == a ? b : $0 }) }
}

/// Fixed-point text of x with `decimals` digits (no Foundation).
func fixed(_ x: Double, _ decimals: Int) -> String {
    guard x.isFinite else { return "-" }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let v = (abs(x) * scale).rounded()
    var digits = String(UInt64(v))
    if decimals > 0 {
        while digits.count <= decimals { digits = "0" + digits }
        digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -decimals))
    }
    return (x < 0 && v != 0 ? "-" : "") + digits
}

/// GFLOP/s of one [2048x64]x[64x12101] sgemm (median of 9), the CE head's shape.
func measureSgemm() -> Double {
    let m = 2048, k = 64, n = 12101
    let a = [Float](repeating: 0.01, count: m * k), bm = [Float](repeating: 0.02, count: k * n)
    var c = [Float](repeating: 0, count: m * n)
    let times = timeRuns(9) {
        a.withUnsafeBufferPointer { ap in bm.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
            matmul(ap.baseAddress!, bp.baseAddress!, into: cp.baseAddress!, m: m, n: n, k: k)
        } } }
    }
    return 2 * Double(m * n * k) / median(times) / 1e9
}
