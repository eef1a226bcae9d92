import ArgumentParser
import GSAU
import Glibc

@main
struct GSAUCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gsau",
        abstract: "GSAU recommender engine: train, query, score and export saved models, evaluate, recommend, inspect data.",
        subcommands: [Train.self, Fuse.self, Query.self, Score.self, Export.self, Evaluate.self, Recommend.self, Stats.self])
}

/// Options shared by every command that reads an interaction file.
struct DataOptions: ParsableArguments {
    @Argument(help: "Interaction file: one line per user (.txt), RecBole atomic (.inter) or CSV (.csv).")
    var path: String

    @Option(help: "File format: auto, sequence, atomic, csv.")
    var format: String = "auto"

    @Option(help: "Iterative k-core: drop users and items with fewer interactions, repeated until stable (0 = off; the paper uses 5).")
    var kcore: Int = 0

    @Flag(help: "Fail on users with fewer interactions than the hold-out needs (3 for leave-one-out) instead of dropping them.")
    var refuseShortUsers = false

    @Option(help: "Held out of training: leave-one-out (the paper's: validation and test), last (validation only: early stopping on it, the rest trains), none (everything trains, fixed --epochs).")
    var holdOut: String = HoldOut.leaveOneOut.rawValue

    func load() throws -> (Dataset, Double) {
        guard let mode = HoldOut(rawValue: holdOut) else {
            throw ValidationError("unknown hold-out '\(holdOut)'; use \(HoldOut.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var options = DatasetOptions(minUserInteractions: kcore, minItemInteractions: kcore,
                                     shortUsers: refuseShortUsers ? .refuse : .drop, holdOut: mode)
        if format != "auto" {
            guard let f = DataFormat(rawValue: format) else {
                throw ValidationError("unknown format '\(format)'; use auto, sequence, atomic or csv")
            }
            options.format = f
        }
        let clock = ContinuousClock()
        let start = clock.now
        let dataset = try Dataset.load(path: path, options: options)
        let seconds = (clock.now - start).seconds
        for warning in dataset.report.warnings { printErr("warning: \(warning)") }
        return (dataset, seconds)
    }
}

/// The process's memory limit (`MemoryLimit`), an option of every command.
struct MemoryOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Refuse, before allocating, work that would need more memory than this (bytes, or with a K, M or G suffix: 512M); 0 = only what the machine has available.",
                               valueName: "bytes"))
    var memoryLimit: String = "0"

    func apply() throws {
        guard let bytes = Self.bytes(memoryLimit) else {
            throw ValidationError("--memory-limit '\(memoryLimit)' is not a byte count (e.g. 1073741824, 512M, 2G)")
        }
        try MemoryLimit.set(bytes)
    }

    /// "512M" -> 536870912 (K, M, G: powers of 1024); nil when not a count or over Int.max.
    static func bytes(_ text: String) -> Int? {
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
        var digits = Substring(text), scale = 1
        if let last = text.uppercased().last, let unit = units[last] { digits = digits.dropLast(); scale = unit }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let n = Int(digits), n >= 0 else { return nil }
        let (bytes, overflow) = n.multipliedReportingOverflow(by: scale)
        return overflow ? nil : bytes
    }
}

func printErr(_ s: String) {
    var stderr = StandardError()
    print(s, to: &stderr)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) { fputs(string, stderr) }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}

/// Warns when OpenBLAS runs its generic kernels on a CPU with AVX-512 or AVX2: matrix products are
/// then about 3× slower than with the matching kernel family.
func warnAboutBLAS() {
    if let suggestion = BLASInfo.suggestedCoreType {
        printErr("warning: OpenBLAS selected its generic '\(BLASInfo.coreName)' kernels, but this CPU has \(BLASInfo.cpuVectorFeatures.contains("avx512f") ? "AVX-512" : "AVX2"); matrix products run about 3x slower. Start gsau with OPENBLAS_CORETYPE=\(suggestion) (see README, 'BLAS core type').")
    }
}
