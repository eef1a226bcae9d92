import GSAU

// gsau-bench kernels, the loss family: GSAU(rec)'s CE output layer over all items, and the L2
// normalisation, alignment and uniformity terms on the [B, d] batch vectors.

/// ce_logits_gemm, ce_softmax_xent_fwd_bwd, ce_dshat_gemm, ce_ditem_gemm.
func benchCrossEntropyHead(_ bench: KernelBench, _ step: BeautyStep, _ shared: SharedVectors, rng: inout RandomGenerator) {
    let (B, d, items) = (step.B, step.d, step.items)
    bench.header("CE output layer (GSAU(rec)): logits = ŝ·Eᵀ, softmax-CE, dŝ = dlogits·E, dE = dlogitsᵀ·ŝ")
    let logits = Floats(B * items), rowLoss = Floats(B), dS = Floats(B * d)
    var targets = [Int32](repeating: 0, count: B)
    for r in 0..<B { targets[r] = Int32(1 + rng.nextInt(below: items - 1)) }
    let gemmFlops = 2.0 * Double(B * items * d)
    let elements = Double(B * items)
    bench.measure("ce_logits_gemm", "[512x64]x[64x\(items)]", flops: gemmFlops) {
        matmul(shared.sHat.p, shared.itemTable.p, transB: true, into: logits.p, m: B, n: items, k: d)
    }
    targets.withUnsafeBufferPointer { t in
        _ = bench.measure("ce_softmax_xent_fwd_bwd", "[512x\(items)] in place", flops: 6 * elements,
                          bytes: 8 * elements, model: "read logits + write dlogits, 8 B/elem") {
            _ = crossEntropyForwardBackward(logits: logits.p, targets: t.baseAddress!, rows: B, classes: items,
                                            dLogits: logits.p, rowLoss: rowLoss.p)
        }
    }
    bench.measure("ce_dshat_gemm", "[512x\(items)]x[\(items)x64]", flops: gemmFlops) {
        matmul(logits.p, shared.itemTable.p, into: dS.p, m: B, n: d, k: items, beta: 1)
    }
    bench.measure("ce_ditem_gemm", "[\(items)x512]x[512x64] (transA)", flops: gemmFlops) {
        matmul(logits.p, transA: true, shared.sHat.p, into: shared.itemTableGradient.p, m: items, n: d, k: B, beta: 1)
    }
}

/// l2norm_{fwd,bwd}_B{512,1024}, alignment, uniformity and paired uniformity _{fwd,bwd}_B512.
func benchAlignmentUniformity(_ bench: KernelBench, _ step: BeautyStep, _ shared: SharedVectors,
                              rng: inout RandomGenerator) throws {
    let (B, d) = (step.B, step.d)
    let (sHat, tHat, norms) = (shared.sHat, shared.tHat, shared.norms)
    bench.header("L2 normalize, alignment, uniformity (B = \(B), d = \(d))")
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
