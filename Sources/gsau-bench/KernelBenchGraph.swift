import GSAU

// gsau-bench kernels, the graph family: SpMM with the normalised training adjacency and LightGCN's
// forward (dense for scoring, at the batch rows for training) and training backward.

/// spmm_fwd(_1thread), lightgcn_fwd_K2, lightgcn_fwd_K2_rows, lightgcn_bwd_K2_rows.
func benchLightGCN(_ bench: KernelBench, _ step: BeautyStep, _ shared: SharedVectors, rng: inout RandomGenerator) {
    let (d, users, items, adjacency) = (step.d, step.users, step.items, step.adjacency)
    let N = step.nodes, K = 2, nnz = adjacency.nonZeroCount
    bench.header("LightGCN on the Beauty training graph: \(N) nodes, nnz \(nnz), d = \(d), 2 layers")
    let nd = Double(N * d)
    let userTable = Floats(users * d, std: 0.1, rng: &rng)
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
        let e = rng.nextInt(below: step.edgeUsers.count)
        for node in [Int(step.edgeUsers[e]), users + Int(step.edgeItems[e])] where !listed[node] {
            listed[node] = true; rows.append(Int32(node))
        }
    }
    let ego = Floats(N * d, std: 0.1, rng: &rng), egoGradient = Floats(N * d)
    let rowGradient = Floats(N * d)                  // d(mean): non-zero at the batch rows only
    for r in rows { for c in 0..<d { rowGradient.p[Int(r) * d + c] = meanGradient.p[Int(r) * d + c] } }
    // dense forward (scoring): K SpMMs + copies + K adds + 1 divide per entry
    bench.measure("lightgcn_fwd_K2", "2 SpMM + layer mean, all rows (scoring)", flops: Double(K) * spmmFlops + Double(K + 1) * nd,
                  bytes: Double(K) * spmmBytes + Double(4 * (K + 3)) * nd, model: "SpMMs + mean pass") {
        lightGCNForward(adjacency: adjacency, userTable: userTable.p, itemTable: shared.itemTable.p, userCount: users,
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
