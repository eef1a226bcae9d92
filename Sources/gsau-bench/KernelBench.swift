import GSAU
import Glibc

// gsau-bench kernels: one timing per kernel (forward and backward separately) at the shapes of one
// Beauty training step with the default configuration (KernelBenchShapes.swift: B = 512, L = 50,
// d = 64, 2 heads, inner 256, 12,102 items, 22,364 users, LightGCN on the real training adjacency,
// 2 layers). Float32 throughout. The kernel families are timed in KernelBenchTransformer.swift,
// KernelBenchLosses.swift, KernelBenchGraph.swift and KernelBenchAdam.swift, with the harness of
// KernelBenchTiming.swift; this file runs them in order and adds up one training step.
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

    // Every input below is drawn from one generator, in this order.
    var rng = RandomGenerator(seed: 2020)
    let step = try BeautyStep(dataDir: dataDir, rng: &rng)
    let bench = KernelBench(runs: runs)
    bench.printColumns()

    // The machine's reference: an sgemm of the CE head's size.
    bench.header("reference sgemm (\(BLASInfo.summary))")
    do {
        let m = 2048, k = 64, n = 12101
        let a = Floats(m * k, std: 0.1, rng: &rng), b = Floats(k * n, std: 0.1, rng: &rng), c = Floats(m * n)
        bench.measure("sgemm_ref", "[2048x64]x[64x12101]", flops: 2.0 * Double(m * n * k)) {
            matmul(a.p, b.p, into: c.p, m: m, n: n, k: k)
        }
    }
    let shared = SharedVectors(step, rng: &rng)
    benchCrossEntropyHead(bench, step, shared, rng: &rng)
    let transformer = TransformerBuffers(step, rng: &rng)
    benchLinear(bench, step, transformer)
    benchAttention(bench, step, rng: &rng)
    benchElementwise(bench, step, transformer, rng: &rng)
    benchEmbedding(bench, step, transformer, shared, rng: &rng)
    try benchAlignmentUniformity(bench, step, shared, rng: &rng)
    benchLightGCN(bench, step, shared, rng: &rng)
    benchAdam(bench, step, rng: &rng)
    let estimate = printStepEstimate(bench, step)

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
    json.set("tokens_padded", step.tokensPadded)
    json.set("tokens_packed", step.tokensPacked)
    json.set("prefix_length_population_mean", step.populationMean)
    json.set("adjacency_nnz", step.adjacency.nonZeroCount)
    json.set("kernels", object: bench.json())
    json.set("step_estimate_gsau_rec_packed", object: estimate)
    writeResult(json, to: "\(outDir)/kernels-beauty\(specialized ? "" : "-unspecialized").json")
}

/// One GSAU(rec) training step estimated from the kernels above (both transformer layers counted at
/// every token); prints the parts and returns them for the JSON.
private func printStepEstimate(_ bench: KernelBench, _ step: BeautyStep) -> JSONObject {
    let s = bench.seconds
    let (Tfull, Tpack) = (step.tokensPadded, step.tokensPacked)
    func sequentialEncoder(_ tag: String) -> (forward: Double, backward: Double, attentionForward: Double,
                                              attentionBackward: Double, linear: Double) {
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
    let packed = sequentialEncoder("Tpacked"), paddedStep = sequentialEncoder("T25600")
    let ceHead = s("ce_logits_gemm") + s("ce_softmax_xent_fwd_bwd") + s("ce_dshat_gemm") + s("ce_ditem_gemm")
    let seqLosses = 2 * s("l2norm_fwd_B512") + 2 * (s("uniformity_fwd_B512") + s("uniformity_bwd_B512"))
        + s("paired_uniformity_fwd_B512") + s("paired_uniformity_bwd_B512") + 2 * s("l2norm_bwd_B512")
    let graphLosses = s("l2norm_fwd_B1024") + s("l2norm_bwd_B1024") + s("alignment_fwd_B512") + s("alignment_bwd_B512")
        + 2 * (s("uniformity_fwd_B512") + s("uniformity_bwd_B512"))
    let graph = s("lightgcn_fwd_K2_rows") + s("lightgcn_bwd_K2_rows")
    let adam = s("adam_\(step.parameterCount)")
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
        ("Adam (\(step.parameterCount) params)", adam),
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
    return estimate
}
