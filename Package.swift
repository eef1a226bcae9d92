// swift-tools-version:6.0
import PackageDescription
import Foundation  // manifest only (for the absolute path of the linker script); the library stays free of it

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path
let environment = ProcessInfo.processInfo.environment
let staticStdlib = environment["GSAU_STATIC_STDLIB"] == "1"
// The SONAME's ABI number is GSAU_ABI_VERSION of include/gsau.h (the one place it is written).
let header = (try? String(contentsOfFile: root + "/include/gsau.h", encoding: .utf8)) ?? ""
let abiVersion = header.split(separator: "\n").first { $0.hasPrefix("#define GSAU_ABI_VERSION ") }?
    .split(separator: " ").last.map(String.init) ?? "0"
// The engine's elementwise kernels need AVX2/FMA to vectorise well (about 3× on GELU and softmax);
// every x86-64 CPU since Haswell (2013) and Zen has them. GSAU_PORTABLE=1 builds for baseline x86-64.
#if arch(x86_64)
let cpuFlags = environment["GSAU_PORTABLE"] == "1" ? [] : ["-target-cpu", "haswell"]
#else
let cpuFlags: [String] = []
#endif

let package = Package(
    name: "gsau",
    products: [
        // ── public products ──────────────────────────────────────────────
        .library(name: "gsau", type: .dynamic, targets: ["GSAUCAPI"]),   // libgsau.so, C ABI
        .executable(name: "gsau-cli", targets: ["gsau-cli"]),            // command line
        .executable(name: "gsau-bench", targets: ["gsau-bench"]),        // benchmarks
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // ── implementation ───────────────────────────────────────────────
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .target(name: "GSAU",
                dependencies: ["CBLAS", .product(name: "RealModule", package: "swift-numerics")],
                // Cross-module optimisation lets clients (CLI, benchmarks, C API) run the Float
                // specialisations of the generic kernels instead of their generic entry points.
                swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked", "-cross-module-optimization"] + cpuFlags)]),
        .systemLibrary(name: "GSAUHeader", path: "Sources/GSAUHeader"),   // include/gsau.h for Swift
        .target(name: "GSAUCAPI", dependencies: ["GSAU", "GSAUHeader"],
                linkerSettings: [.unsafeFlags(["-Xlinker", "--version-script=\(root)/gsau.map",
                                               "-Xlinker", "-soname=libgsau.so.\(abiVersion)"]
                                              + (staticStdlib ? ["-static-stdlib"] : []))]),
        .executableTarget(name: "gsau-cli",
                          dependencies: ["GSAU", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "gsau-bench", dependencies: ["GSAU", "CBLAS"]),
        // ── tests ────────────────────────────────────────────────────────
        .testTarget(name: "GSAUTests", dependencies: ["GSAU", "GSAUCAPI"],
                    resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v5]
)
