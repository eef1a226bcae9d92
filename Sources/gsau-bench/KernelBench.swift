import GSAU
import Glibc

// gsau-bench kernels: one timing per kernel (forward and backward separately) at the shapes of one
// Beauty training step of the spec (B = 512, L = 50, d = 64, 2 heads, inner 256, 12,102 items,
// 22,364 users, LightGCN on the real training adjacency, 2 layers). Float32 throughout.
//
// The GSAU target is compiled with -cross-module-optimization (Package.swift), so the generic kernels
// are specialised for Float here as they are inside the engine; `specializationRatio` checks it:
//   swift build -c release --product gsau-bench && .build/release/gsau-bench kernels
//
// Each kernel: 3 warm-up calls, then `runs` timed calls; the median is reported.
// FLOP counts are the arithmetic of the kernel's formula (a gemm m·n·k counts 2mnk; for elementwise
// kernels every +, −, ·, / counts 1 and so does each exp / erf / sqrt). For memory-bound kernels
// GB/s is printed as well, from the minimal DRAM traffic stated in the "bytes model" column
// (4-byte floats; each input array read once, each output written once, an accumulated (+=)
// output read and written).

/// A heap array of Float that is never moved (kernels take raw pointers).
private final class Floats {
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


private func padded(_ s: String, _ width: Int, right: Bool = false) -> String {
    if s.count >= width { return s }
    let fill = String(repeating: " ", count: width - s.count)
    return right ? fill + s : s + fill
}

private func loadAverage() -> String {
    guard let f = fopen("/proc/loadavg", "r") else { return "unknown" }
    defer { fclose(f) }
    var buffer = [CChar](repeating: 0, count: 128)
    guard fgets(&buffer, 128, f) != nil else { return "unknown" }
    let text = String(cString: buffer)
    return text.split(separator: " ").prefix(3).joined(separator: " ")
}

private final class KernelBench {
    let runs: Int
    let warmups = 3
    private(set) var timings: [KernelTiming] = []
    private var byName: [String: Double] = [:]

    init(runs: Int) { self.runs = max(1, runs) }

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
private func specializationRatio() -> Double {
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

/// `gsau-bench kernels`: see the comment at the top of this file. Refuses to run (exit 2) when the
/// kernels would run unspecialized, unless `allowUnspecialized` (results then go to a separate file).
func kernelBenchmarks(runs: Int, outDir: String, dataDir: String, allowUnspecialized: Bool = false) throws {
    let ratio = specializationRatio()
    let specialized = ratio < 4
    print("specialization check: library dropoutBackward / local Float loop = \(fixed(ratio, 2))× → "
          + (specialized ? "kernels are Float-specialized" : "kernels run UNSPECIALIZED (generic entry points)"))
    if !specialized {
        print("""
              warning: this build calls the generic, unspecialized kernel entry points, which are 10–100× slower than
                       the Float-specialized code the engine runs; its numbers do not describe the engine. Check that
                       Package.swift still builds GSAU with -cross-module-optimization
                       (or pass --allow-unspecialized to measure anyway; results go to kernels-beauty-unspecialized.json).
              """)
        if !allowUnspecialized { exit(2) }
    }
    let loadStart = loadAverage()
    print("load average before: \(loadStart); hardware threads \(sysconf(Int32(_SC_NPROCESSORS_ONLN))); runs \(runs) after 3 warm-ups")

    // ── Shapes ────────────────────────────────────────────────────────────────────────────
    let B = 512, L = 50, d = 64, heads = 2, inner = 256
    let dataset = try Dataset.load(path: "\(dataDir)/beauty.txt")
    let users = dataset.userCount + 1, items = dataset.itemCount + 1          // incl. PAD
    let nodes = users + items
    let parameterCount = 2_309_120

    // Training adjacency.
    var edgeUsers: [Int32] = [], edgeItems: [Int32] = []
    edgeUsers.reserveCapacity(dataset.trainInteractionCount); edgeItems.reserveCapacity(dataset.trainInteractionCount)
    for u in 1..<Int32(users) {
        for i in dataset.trainItems(ofUser: u) { edgeUsers.append(u); edgeItems.append(i) }
    }
    let adjacency = try normalizedAdjacency(userIds: edgeUsers, itemIds: edgeItems, userCount: users, itemCount: items,
                                            as: Float.self)
    let nnz = adjacency.nonZeroCount

    // Prefix-augmented training examples: user with n items gives prefixes k = 1 ... n−3, length min(k, 50).
    var prefixLengths: [Int32] = []
    prefixLengths.reserveCapacity(dataset.sequentialTrainExampleCount)
    for u in 1..<Int32(users) {
        let n = dataset.length(ofUser: u)
        if n >= 4 { for k in 1...(n - 3) { prefixLengths.append(Int32(min(k, L))) } }
    }
    var rng = RandomGenerator(seed: 2020)
    let permutation = rng.permutation(prefixLengths.count)
    let batchLengths = permutation.prefix(B).map { Int(prefixLengths[Int($0)]) }
    let Tfull = B * L
    let Tpack = batchLengths.reduce(0, +)
    let populationMean = Double(prefixLengths.reduce(0) { $0 + Int($1) }) / Double(prefixLengths.count)
    print("Beauty: \(dataset.userCount) users, \(dataset.itemCount) items (tables \(users) × \(items), graph \(nodes) nodes, "
          + "\(edgeUsers.count) train rows, adjacency nnz \(nnz)); \(prefixLengths.count) prefix examples")
    print("packed tokens of a random batch of \(B) prefixes: T = \(Tpack) (mean length \(fixed(Double(Tpack) / Double(B), 2)); "
          + "population mean \(fixed(populationMean, 2)) → expected T ≈ \(fixed(populationMean * Double(B), 0))), "
          + "vs padded T = \(Tfull) (\(fixed(Double(Tpack) / Double(Tfull) * 100, 1))%)")

    let bench = KernelBench(runs: runs)
    print("\n" + padded("kernel", 34) + padded("shape", 30) + padded("ms", 10, right: true) + padded("MFLOP", 11, right: true)
          + padded("GFLOP/s", 9, right: true) + padded("GB/s", 8, right: true) + "  bytes model")

    // ── Reference sgemm ──────────────────────────────────────────────────────────────────
    bench.header("reference sgemm (\(BLASInfo.summary))")
    do {
        let m = 2048, k = 64, n = 12101
        let a = Floats(m * k, std: 0.1, rng: &rng), b = Floats(k * n, std: 0.1, rng: &rng), c = Floats(m * n)
        bench.measure("sgemm_ref", "[2048x64]x[64x12101]", flops: 2.0 * Double(m * n * k)) {
            matmul(a.p, b.p, into: c.p, m: m, n: n, k: k)
        }
    }

    // ── CE output layer ──────────────────────────────────────────────────────────────────
    bench.header("CE output layer (GSAU(rec)): logits = ŝ·Eᵀ, softmax-CE, dŝ = dlogits·E, dE = dlogitsᵀ·ŝ")
    let itemTable = Floats(items * d, std: 0.1, rng: &rng)
    let itemTableGradient = Floats(items * d)
    let sHat = Floats(B * d, std: 1, rng: &rng), tHat = Floats(B * d, std: 1, rng: &rng)
    let norms = Floats(2 * B)
    l2NormalizeForward(output: sHat.p, norms: norms.p, input: sHat.p, rows: B, channels: d)
    l2NormalizeForward(output: tHat.p, norms: norms.p, input: tHat.p, rows: B, channels: d)
    do {
        let logits = Floats(B * items), rowLoss = Floats(B), dS = Floats(B * d)
        var targets = [Int32](repeating: 0, count: B)
        for r in 0..<B { targets[r] = Int32(1 + rng.nextInt(below: items - 1)) }
        let gemmFlops = 2.0 * Double(B * items * d)
        let elements = Double(B * items)
        bench.measure("ce_logits_gemm", "[512x64]x[64x\(items)]", flops: gemmFlops) {
            matmul(sHat.p, itemTable.p, transB: true, into: logits.p, m: B, n: items, k: d)
        }
        targets.withUnsafeBufferPointer { t in
            _ = bench.measure("ce_softmax_xent_fwd_bwd", "[512x\(items)] in place", flops: 6 * elements,
                          bytes: 8 * elements, model: "read logits + write dlogits, 8 B/elem") {
                _ = crossEntropyForwardBackward(logits: logits.p, targets: t.baseAddress!, rows: B, classes: items,
                                                dLogits: logits.p, rowLoss: rowLoss.p)
            }
        }
        bench.measure("ce_dshat_gemm", "[512x\(items)]x[\(items)x64]", flops: gemmFlops) {
            matmul(logits.p, itemTable.p, into: dS.p, m: B, n: d, k: items, beta: 1)
        }
        bench.measure("ce_ditem_gemm", "[\(items)x512]x[512x64] (transA)", flops: gemmFlops) {
            matmul(logits.p, transA: true, sHat.p, into: itemTableGradient.p, m: items, n: d, k: B, beta: 1)
        }
    }

    // ── Transformer kernels at padded and packed T ─────────────────────────────────────────
    let maxT = Tfull
    let x = Floats(maxT * inner, std: 1, rng: &rng), y = Floats(maxT * inner)
    let dx = Floats(maxT * inner), dy = Floats(maxT * inner, std: 0.01, rng: &rng)
    let weight = Floats(inner * inner, std: 0.05, rng: &rng), bias = Floats(inner, std: 0.01, rng: &rng)
    let dWeight = Floats(inner * inner), dBias = Floats(inner)
    let lnWeight = Floats(d, value: 1), lnBias = Floats(d)
    let mean = Floats(maxT), rstd = Floats(maxT), mask = Floats(maxT * inner)
    let eps: Float = 1e-12
    let sizes: [(tag: String, tokens: Int)] = [("T25600", Tfull), ("Tpacked", Tpack)]

    for (tag, T) in sizes {
        bench.header("Linear (y = x·Wᵀ + b) at \(tag) = \(T) tokens")
        for (name, fin, fout) in [("qkv", d, 3 * d), ("out", d, d), ("ffn_in", d, inner), ("ffn_out", inner, d)] {
            let product = 2.0 * Double(T * fin * fout)
            bench.measure("linear_\(name)_fwd_\(tag)", "[\(T)x\(fin)]->\(fout)", flops: product + Double(T * fout)) {
                linearForward(output: y.p, input: x.p, weight: weight.p, bias: bias.p, rows: T, inFeatures: fin, outFeatures: fout)
            }
            bench.measure("linear_\(name)_bwd_\(tag)", "dx, dW, db", flops: 2 * product + Double(T * fout)) {
                linearBackward(dInput: dx.p, dWeight: dWeight.p, dBias: dBias.p, dOutput: dy.p, input: x.p, weight: weight.p,
                               rows: T, inFeatures: fin, outFeatures: fout)
            }
        }
    }

    // Attention core: causal, 2 heads of 32.
    let fullOffsets = (0...B).map { Int32($0 * L) }
    var packedOffsets: [Int32] = [0]
    for len in batchLengths { packedOffsets.append(packedOffsets.last! + Int32(len)) }
    do {
        let qkv = Floats(maxT * 3 * d, std: 0.5, rng: &rng), dQKV = Floats(maxT * 3 * d)
        let context = Floats(maxT * d), dContext = Floats(maxT * d, std: 0.01, rng: &rng)
        let probs = Floats(maxT * heads * L), attentionMask = Floats(maxT * heads * L)
        for (tag, offsets) in [("T25600", fullOffsets), ("Tpacked", packedOffsets)] {
            var pairs = 0                        // (query, allowed key) pairs per head
            for b in 0..<B { let n = Int(offsets[b + 1] - offsets[b]); pairs += n * (n + 1) / 2 }
            let T = Int(offsets[B])
            let dh = d / heads
            // forward: q·k (2dh) + scale, softmax (max, sub, exp, sum, mul ≈ 5), P·v (2dh), + mask mul
            // backward: dv and dctx·v (4dh), dS (4), dq and dk (4dh)
            let attentionPairs = Double(pairs * heads)
            bench.header("attention core, causal, \(heads) heads × \(dh), \(B) sequences, \(tag) = \(T) tokens, \(pairs) causal pairs/head")
            for p in [0.0, 0.5] {
                let ptag = p == 0 ? "p0" : "p0.5"
                offsets.withUnsafeBufferPointer { o in
                    bench.measure("attention_fwd_\(tag)_\(ptag)", "dropout \(p)",
                                  flops: attentionPairs * (4 * Double(dh) + 6 + (p > 0 ? 1 : 0))) {
                        attentionForward(context: context.p, probs: probs.p, dropoutMask: p > 0 ? attentionMask.p : nil,
                                         qkv: qkv.p, offsets: o.baseAddress!, sequences: B, maxLength: L, dim: d,
                                         heads: heads, causal: true, dropout: p, rng: &rng)
                    }
                    bench.measure("attention_bwd_\(tag)_\(ptag)", "dropout \(p)",
                                  flops: attentionPairs * (8 * Double(dh) + 6 + (p > 0 ? 2 : 0))) {
                        attentionBackward(dQKV: dQKV.p, dContext: dContext.p, qkv: qkv.p, probs: probs.p,
                                          dropoutMask: p > 0 ? attentionMask.p : nil, offsets: o.baseAddress!, sequences: B,
                                          maxLength: L, dim: d, heads: heads, causal: true, dropout: p)
                    }
                }
            }
        }
    }

    for (tag, T) in sizes {
        bench.header("elementwise / row-wise at \(tag) = \(T) tokens")
        let e64 = Double(T * d), e256 = Double(T * inner)
        bench.measure("layernorm_fwd_\(tag)", "[\(T)x64]", flops: 8 * e64, bytes: 8 * e64, model: "x r, y w: 8 B/elem") {
            layerNormForward(output: y.p, mean: mean.p, rstd: rstd.p, input: x.p, weight: lnWeight.p, bias: lnBias.p,
                             rows: T, channels: d, eps: eps)
        }
        bench.measure("layernorm_bwd_\(tag)", "[\(T)x64]", flops: 17 * e64, bytes: 16 * e64, model: "x, dy r, dx r+w: 16 B/elem") {
            layerNormBackward(dInput: dx.p, dWeight: dWeight.p, dBias: dBias.p, dOutput: dy.p, input: x.p,
                              weight: lnWeight.p, mean: mean.p, rstd: rstd.p, rows: T, channels: d)
        }
        bench.measure("gelu_fwd_\(tag)", "[\(T)x256]", flops: 5 * e256, bytes: 8 * e256, model: "z r, y w: 8 B/elem") {
            geluForward(output: y.p, input: x.p, count: T * inner)
        }
        bench.measure("gelu_bwd_\(tag)", "[\(T)x256]", flops: 12 * e256, bytes: 16 * e256, model: "z, dy r, dz r+w: 16 B/elem") {
            geluBackward(dInput: dx.p, dOutput: dy.p, input: x.p, count: T * inner)
        }
        bench.measure("dropout_fwd_\(tag)", "[\(T)x64] p=0.5", flops: 2 * e64, bytes: 12 * e64, model: "x r, mask w, y w: 12 B/elem") {
            dropoutForward(output: y.p, mask: mask.p, input: x.p, count: T * d, p: 0.5, rng: &rng)
        }
        bench.measure("dropout_bwd_\(tag)", "[\(T)x64]", flops: 2 * e64, bytes: 16 * e64, model: "dy, mask r, dx r+w: 16 B/elem") {
            dropoutBackward(dInput: dx.p, dOutput: dy.p, mask: mask.p, count: T * d)
        }
    }

    // Embedding gather / scatter at the packed batch (for the step estimate).
    do {
        bench.header("embedding (item + position) at Tpacked = \(Tpack) tokens")
        var ids = [Int32](), positions = [Int32]()
        for len in batchLengths { for j in 0..<len { ids.append(Int32(1 + rng.nextInt(below: items - 1))); positions.append(Int32(j)) } }
        let positionTable = Floats(L * d, std: 0.1, rng: &rng), positionGradient = Floats(L * d)
        let e = Double(Tpack * d)
        ids.withUnsafeBufferPointer { idp in
            positions.withUnsafeBufferPointer { pp in
                bench.measure("embedding_fwd_Tpacked", "[\(Tpack)x64] item+pos", flops: e, bytes: 12 * e,
                              model: "2 rows r, 1 w: 12 B/elem") {
                    embeddingForward(output: y.p, ids: idp.baseAddress!, table: itemTable.p, count: Tpack, dim: d,
                                     positionIds: pp.baseAddress!, positionTable: positionTable.p)
                }
                bench.measure("embedding_bwd_Tpacked", "item + position scatter", flops: 2 * e, bytes: 2 * 12 * e,
                              model: "per table dy r, row r+w: 12 B/elem") {
                    embeddingBackward(dTable: itemTableGradient.p, dOutput: dy.p, ids: idp.baseAddress!, count: Tpack, dim: d)
                    embeddingBackward(dTable: positionGradient.p, dOutput: dy.p, ids: pp.baseAddress!, count: Tpack, dim: d)
                }
            }
        }
    }

    // ── Losses on the [512, 64] batch vectors ──────────────────────────────────────────────
    bench.header("L2 normalize, alignment, uniformity (B = \(B), d = \(d))")
    do {
        let raw = Floats(2 * B * d, std: 1, rng: &rng), hat = Floats(2 * B * d), dHat = Floats(2 * B * d, std: 0.01, rng: &rng)
        let dRaw = Floats(2 * B * d), dX = Floats(B * d), dY = Floats(B * d)
        let workspace = Floats(uniformityWorkspaceSize(rows: B))
        for rows in [B, 2 * B] {
            let e = Double(rows * d)
            bench.measure("l2norm_fwd_B\(rows)", "[\(rows)x64]", flops: 3 * e, bytes: 8 * e, model: "x r, y w: 8 B/elem") {
                l2NormalizeForward(output: hat.p, norms: norms.p, input: raw.p, rows: rows, channels: d)
            }
            bench.measure("l2norm_bwd_B\(rows)", "[\(rows)x64]", flops: 5 * e, bytes: 16 * e, model: "y, dy r, dx r+w: 16 B/elem") {
                l2NormalizeBackward(dInput: dRaw.p, dOutput: dHat.p, output: hat.p, norms: norms.p, rows: rows, channels: d)
            }
        }
        let bd = Double(B * d), bb = Double(B * B)
        _ = try bench.measure("alignment_fwd_B512", "[512x64] x2", flops: 3 * bd) {
            _ = try alignmentForward(x: sHat.p, y: tHat.p, rows: B, width: d)
        }
        bench.measure("alignment_bwd_B512", "[512x64] x2", flops: 4 * bd) {
            alignmentBackward(x: sHat.p, y: tHat.p, rows: B, width: d, upstream: 1, dx: dX.p, dy: dY.p)
        }
        // fwd: Gram gemm 2B²d, norms 2Bd, upper-triangle pairs (B²/2 · (4 + exp + 2)), weights B²
        _ = try bench.measure("uniformity_fwd_B512", "gram [512x64]x[64x512]", flops: 2 * bb * Double(d) + 2 * bd + 4.5 * bb) {
            _ = try uniformityForward(x: sHat.p, rows: B, width: d, workspace: workspace.p)
        }
        // bwd: W·X gemm 2B²d, row sums B², 2Bd
        bench.measure("uniformity_bwd_B512", "[512x512]x[512x64]", flops: 2 * bb * Double(d) + bb + 2 * bd) {
            uniformityBackward(x: sHat.p, rows: B, width: d, workspace: workspace.p, upstream: 0.1, dx: dX.p)
        }
        _ = try bench.measure("paired_uniformity_fwd_B512", "[512x64] x2", flops: 3 * bd + 4 * Double(B)) {
            _ = try pairedUniformityForward(x: sHat.p, y: tHat.p, rows: B, width: d, workspace: workspace.p)
        }
        bench.measure("paired_uniformity_bwd_B512", "[512x64] x2", flops: 4 * bd) {
            pairedUniformityBackward(x: sHat.p, y: tHat.p, rows: B, width: d, workspace: workspace.p, upstream: 0.1,
                                     dx: dX.p, dy: dY.p)
        }
    }

    // ── Graph ─────────────────────────────────────────────────────────────────────────────
    bench.header("LightGCN on the Beauty training graph: \(nodes) nodes, nnz \(nnz), d = \(d), 2 layers")
    do {
        let N = nodes, K = 2
        let nd = Double(N * d)
        let userTable = Floats(users * d, std: 0.1, rng: &rng), userGradient = Floats(users * d)
        let layers = Floats((K + 1) * N * d), meanTable = Floats(N * d)
        let meanGradient = Floats(N * d, std: 0.001, rng: &rng), scratch = Floats(2 * N * d)
        let spmmFlops = 2.0 * Double(nnz * d)
        let spmmBytes = Double(nnz) * (8 + 4 * Double(d)) + 4 * nd
        let spmmModel = "per nnz col+val 8 B + x row 4d B, y 4d B/row"
        bench.measure("spmm_fwd", "[\(N)x\(N)]·[\(N)x64]", flops: spmmFlops, bytes: spmmBytes, model: spmmModel) {
            sparseMatMulForward(adjacency, x: layers.p, y: meanTable.p, width: d)
        }
        bench.measure("spmm_fwd_1thread", "same, threads: 1", flops: spmmFlops, bytes: spmmBytes, model: spmmModel) {
            sparseMatMulForward(adjacency, x: layers.p, y: meanTable.p, width: d, threads: 1)
        }
        // A training step's rows: 512 random training edges (their users and items, deduplicated).
        var rows: [Int32] = [], listed = [Bool](repeating: false, count: N)
        for _ in 0..<512 {
            let e = rng.nextInt(below: edgeUsers.count)
            for node in [Int(edgeUsers[e]), users + Int(edgeItems[e])] where !listed[node] { listed[node] = true; rows.append(Int32(node)) }
        }
        let ego = Floats(N * d, std: 0.1, rng: &rng), egoGradient = Floats(N * d)
        let rowGradient = Floats(N * d)                  // d(mean): non-zero at the batch rows only
        for r in rows { for c in 0..<d { rowGradient.p[Int(r) * d + c] = meanGradient.p[Int(r) * d + c] } }
        // dense forward (scoring): K SpMMs + copies + K adds + 1 divide per entry
        bench.measure("lightgcn_fwd_K2", "2 SpMM + layer mean, all rows (scoring)", flops: Double(K) * spmmFlops + Double(K + 1) * nd,
                      bytes: Double(K) * spmmBytes + Double(4 * (K + 3)) * nd, model: "SpMMs + mean pass") {
            lightGCNForward(adjacency: adjacency, userTable: userTable.p, itemTable: itemTable.p, userCount: users,
                            itemCount: items, width: d, layerCount: K, layers: layers.p, mean: meanTable.p)
        }
        // training forward: 1 full SpMM + the batch rows of the last layer and the mean
        rows.withUnsafeBufferPointer { rowList in
            bench.measure("lightgcn_fwd_K2_rows", "1 SpMM + \(rowList.count) batch rows", flops: spmmFlops, bytes: spmmBytes,
                          model: "one full SpMM (row work not counted)") {
                lightGCNForward(adjacency: adjacency, ego: ego.p, nodeCount: N, width: d, layerCount: K, rows: rowList,
                                layers: layers.p, mean: meanTable.p)
            }
            // training backward: scatter from the batch rows + 1 full SpMM into the table gradients
            bench.measure("lightgcn_bwd_K2_rows", "scatter + 1 SpMM, \(rowList.count) batch rows", flops: spmmFlops,
                          bytes: spmmBytes + 4 * nd, model: "one full SpMM + clearing a table (scatter not counted)") {
                lightGCNBackward(adjacency: adjacency, meanGradient: rowGradient.p, layerGradients: nil, rows: rowList,
                                 nodeCount: N, width: d, layerCount: K, scratch: scratch.p, egoGradient: egoGradient.p)
            }
        }
    }

    // ── Adam ──────────────────────────────────────────────────────────────────────────────
    bench.header("Adam over the spec's Beauty parameter count")
    do {
        let n = parameterCount
        let parameters = Floats(n, std: 0.05, rng: &rng), gradients = Floats(n, std: 0.001, rng: &rng)
        let m = Floats(n), v = Floats(n)
        var step = 0
        let hyper = AdamHyperparameters()
        bench.measure("adam_\(n)", "\(n) params", flops: 12 * Double(n), bytes: 28 * Double(n),
                      model: "p, g, m, v r; p, m, v w: 28 B/param") {
            step += 1
            adamUpdate(parameters: parameters.p, gradients: gradients.p, firstMoment: m.p, secondMoment: v.p,
                       count: n, step: step, hyperparameters: hyper)
        }
    }

    // ── One GSAU(rec) training step, from the kernels above ─────────────────────────────────
    func sequentialEncoder(_ tag: String) -> (forward: Double, backward: Double, attentionForward: Double,
                                              attentionBackward: Double, linear: Double) {
        let s = bench.seconds
        let linF = s("linear_qkv_fwd_\(tag)") + s("linear_out_fwd_\(tag)") + s("linear_ffn_in_fwd_\(tag)") + s("linear_ffn_out_fwd_\(tag)")
        let linB = s("linear_qkv_bwd_\(tag)") + s("linear_out_bwd_\(tag)") + s("linear_ffn_in_bwd_\(tag)") + s("linear_ffn_out_bwd_\(tag)")
        let attF = s("attention_fwd_\(tag)_p0.5"), attB = s("attention_bwd_\(tag)_p0.5")
        let layerF = linF + attF + 2 * s("dropout_fwd_\(tag)") + 2 * s("layernorm_fwd_\(tag)") + s("gelu_fwd_\(tag)")
        let layerB = linB + attB + 2 * s("dropout_bwd_\(tag)") + 2 * s("layernorm_bwd_\(tag)") + s("gelu_bwd_\(tag)")
        let embF = s("embedding_fwd_Tpacked") * (tag == "Tpacked" ? 1 : Double(Tfull) / Double(Tpack))
        let embB = s("embedding_bwd_Tpacked") * (tag == "Tpacked" ? 1 : Double(Tfull) / Double(Tpack))
        let forward = embF + s("layernorm_fwd_\(tag)") + s("dropout_fwd_\(tag)") + 2 * layerF
        let backward = 2 * layerB + s("dropout_bwd_\(tag)") + s("layernorm_bwd_\(tag)") + embB
        return (forward, backward, 2 * attF, 2 * attB, 2 * (linF + linB))
    }
    let s = bench.seconds
    let packed = sequentialEncoder("Tpacked"), paddedStep = sequentialEncoder("T25600")
    let ceHead = s("ce_logits_gemm") + s("ce_softmax_xent_fwd_bwd") + s("ce_dshat_gemm") + s("ce_ditem_gemm")
    let seqLosses = 2 * s("l2norm_fwd_B512") + 2 * (s("uniformity_fwd_B512") + s("uniformity_bwd_B512"))
        + s("paired_uniformity_fwd_B512") + s("paired_uniformity_bwd_B512") + 2 * s("l2norm_bwd_B512")
    let graphLosses = s("l2norm_fwd_B1024") + s("l2norm_bwd_B1024") + s("alignment_fwd_B512") + s("alignment_bwd_B512")
        + 2 * (s("uniformity_fwd_B512") + s("uniformity_bwd_B512"))
    let graph = s("lightgcn_fwd_K2_rows") + s("lightgcn_bwd_K2_rows")
    let adam = s("adam_\(parameterCount)")
    let parts: [(String, Double)] = [
        ("SASRec forward (2 layers, dropout 0.5, packed T)", packed.forward),
        ("  of which attention fwd", packed.attentionForward),
        ("SASRec backward", packed.backward),
        ("  of which attention bwd", packed.attentionBackward),
        ("  (all Linear fwd+bwd)", packed.linear),
        ("CE head (3 gemms + softmax-CE)", ceHead),
        ("sequential L2 / uniformity terms", seqLosses),
        ("LightGCN fwd + bwd (2 layers)", graph),
        ("graph L2 / align / uniformity terms", graphLosses),
        ("Adam (\(parameterCount) params)", adam),
    ]
    let total = packed.forward + packed.backward + ceHead + seqLosses + graph + graphLosses + adam
    let totalPadded = total - packed.forward - packed.backward + paddedStep.forward + paddedStep.backward
    print("\n-- estimated GSAU(rec) training step at packed T = \(Tpack) (sum of the kernels above; "
          + "residual adds, memsets, row gathers/scatters not included)")
    var estimate = JSONObject()
    for (name, t) in parts {
        let share = name.hasPrefix("  ") ? "" : "  " + fixed(t / total * 100, 1) + "%"
        print(padded(name, 52) + padded(fixed(t * 1e3, 2), 9, right: true) + " ms" + share)
        if !name.hasPrefix("  ") { estimate.set(name, t) }
    }
    print(padded("total", 52) + padded(fixed(total * 1e3, 2), 9, right: true) + " ms"
          + "   (→ \(fixed(total * 301, 1)) s per 301-step epoch)")
    print(padded("same step with padded T = \(Tfull)", 52) + padded(fixed(totalPadded * 1e3, 2), 9, right: true) + " ms")
    estimate.set("total_seconds", total)
    estimate.set("total_seconds_padded_T25600", totalPadded)

    let loadEnd = loadAverage()
    print("\nload average after: \(loadEnd)")

    var json = JSONObject()
    json.set("benchmark", "per-kernel timings at Beauty training-step shapes (B=512, L=50, d=64, 2 heads, inner 256, "
             + "12102 items, 22364 users, LightGCN 2 layers on the training adjacency), Float32, median of runs after 3 warm-ups")
    machineFields(&json)
    json.set("kernels_specialized", specialized ? 1 : 0)
    json.set("specialization_check_ratio", ratio)
    json.set("runs", bench.runs)
    json.set("warmups", bench.warmups)
    json.set("load_average_start", loadStart)
    json.set("load_average_end", loadEnd)
    json.set("tokens_padded", Tfull)
    json.set("tokens_packed", Tpack)
    json.set("prefix_length_population_mean", populationMean)
    json.set("adjacency_nnz", nnz)
    json.set("kernels", object: bench.json())
    json.set("step_estimate_gsau_rec_packed", object: estimate)
    writeResult(json, to: "\(outDir)/kernels-beauty\(specialized ? "" : "-unspecialized").json")
}
