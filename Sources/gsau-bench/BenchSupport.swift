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

/// A flat JSON object written by hand (keys in insertion order).
struct JSONObject {
    private var fields: [(String, String)] = []
    mutating func set(_ key: String, _ value: String) { fields.append((key, "\"\(value.replacingQuotes())\"")) }
    mutating func set(_ key: String, _ value: Double) { fields.append((key, value.isFinite ? "\(value)" : "null")) }
    mutating func set(_ key: String, _ value: Int) { fields.append((key, "\(value)")) }
    mutating func set(_ key: String, _ values: [Double]) { fields.append((key, "[" + values.map { "\($0)" }.joined(separator: ", ") + "]")) }
    mutating func set(_ key: String, object: JSONObject) { fields.append((key, object.text(indent: "    "))) }
    func text(indent: String = "") -> String {
        "{\n" + fields.map { "\(indent)  \"\($0.0)\": \($0.1)" }.joined(separator: ",\n") + "\n\(indent)}"
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

func machineFields(_ json: inout JSONObject) {
    json.set("blas_core", BLASInfo.coreName)
    json.set("blas_threads", BLASInfo.threads)
    json.set("hardware_threads", Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
}

extension String {
    func replacingOccurrences(_ a: Character, _ b: Character) -> String { String(map { $0 == a ? b : $0 }) }
}
