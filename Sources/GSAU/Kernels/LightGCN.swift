// LightGCN propagation (docs/MODEL.md §3.4) over the normalised adjacency `Â` of
// `normalizedAdjacency`, with `N = userCount + itemCount` nodes and embedding width `d`:
//
//     X0 = [E_user; E_item]                          // [N, d]
//     X_{k+1} = Â · X_k          for k = 0 ..< K     // [N, d]
//     mean = (X0 + X1 + … + XK) / (K + 1)            // [N, d]
//
// Every layer is kept (layer-wise losses, e.g. GraphAU, read layers 0...K as well as the mean).
// Rows `0 ..< userCount` of a layer are users, rows `userCount ..< N` items, so the user part of
// a layer starts at `layer` and the item part at `layer + userCount · d`.

/// Buffers of one LightGCN forward + backward, allocated once by the caller and reused each step.
///
/// Sizes, with `N = userCount + itemCount`:
/// - `layers`:  `(K + 1) · N · d`, layer `k` at offset `k · N · d` (X0 is a copy of the two tables);
/// - `mean`:    `N · d`;
/// - `scratch`: `2 · N · d`, used only by the backward pass.
public struct LightGCNWorkspace<T: GSAUScalar> {
    public let userCount: Int
    public let itemCount: Int
    public let width: Int
    public let layerCount: Int
    public var layers: [T]
    public var mean: [T]
    public var scratch: [T]

    public var nodeCount: Int { userCount + itemCount }

    public static func layersSize(userCount: Int, itemCount: Int, width: Int, layerCount: Int) -> Int {
        (layerCount + 1) * (userCount + itemCount) * width
    }
    public static func meanSize(userCount: Int, itemCount: Int, width: Int) -> Int {
        (userCount + itemCount) * width
    }
    public static func scratchSize(userCount: Int, itemCount: Int, width: Int) -> Int {
        2 * (userCount + itemCount) * width
    }

    /// Counts must be non-negative (they come from the model configuration, not from user input).
    public init(userCount: Int, itemCount: Int, width: Int, layerCount: Int) {
        self.userCount = userCount
        self.itemCount = itemCount
        self.width = width
        self.layerCount = layerCount
        layers = [T](repeating: 0, count: Self.layersSize(userCount: userCount, itemCount: itemCount,
                                                          width: width, layerCount: layerCount))
        mean = [T](repeating: 0, count: Self.meanSize(userCount: userCount, itemCount: itemCount, width: width))
        scratch = [T](repeating: 0, count: Self.scratchSize(userCount: userCount, itemCount: itemCount, width: width))
    }
}

/// Forward propagation.
///
/// - `adjacency`: `Â`, `[N, N]` with `N = userCount + itemCount`.
/// - `userTable`: `[userCount, d]`; `itemTable`: `[itemCount, d]`.
/// - `layers` (out): `[(K + 1), N, d]`; `mean` (out): `[N, d]`.
///
/// The mean is `((X0 + X1) + …) / (K + 1)`: summed in layer order, then divided, as torch's
/// `stack(...).mean(dim=1)` on CPU does (sum, then `div_`). No allocation.
public func lightGCNForward<T: GSAUScalar>(
    adjacency: CSRMatrix<T>,
    userTable: UnsafePointer<T>, itemTable: UnsafePointer<T>,
    userCount: Int, itemCount: Int, width d: Int, layerCount: Int,
    layers: UnsafeMutablePointer<T>, mean: UnsafeMutablePointer<T>,
    threads: Int = 0
) {
    let userPart = userCount * d
    let layerSize = (userCount + itemCount) * d
    layers.update(from: userTable, count: userPart)                   // X0 = [E_user; E_item]
    (layers + userPart).update(from: itemTable, count: itemCount * d)
    if layerCount > 0 {
        for k in 1...layerCount {                                      // X_k = Â · X_{k-1}
            sparseMatMulForward(adjacency, x: layers + (k - 1) * layerSize,
                                y: layers + k * layerSize, width: d, threads: threads)
        }
    }
    // mean = ((X0 + X1) + …) / (K + 1), elementwise in parallel chunks (the same sums in the same
    // order for every element, so the result does not depend on the thread count).
    let job = UnsafeSendable((mean, UnsafePointer(layers)))
    parallelChunks(layerSize) { range in
        let (mean, layers) = job.pointer
        for i in range {
            mean[i] = layerMean(layers, at: i, layerSize: layerSize, layerCount: layerCount)
        }
    }
}

/// Forward propagation for a training step, whose losses read only the given rows: layers
/// `1 ..< K` in full (layer K at a row needs layer K − 1 at all its neighbours), but layer 0,
/// layer K and the mean at `rows` only (node ids; other rows of those buffers are left as they
/// were). The listed rows are bitwise equal to `lightGCNForward`'s. One full propagation less
/// than the dense forward, and no copy of the tables.
///
/// - `ego`: `[E_user; E_item]`, `[N, d]` (the two tables back to back).
/// - `layers` (out): `[(K + 1), N, d]`; `mean` (out): `[N, d]`.
public func lightGCNForward<T: GSAUScalar>(
    adjacency: CSRMatrix<T>, ego: UnsafePointer<T>, nodeCount n: Int, width d: Int, layerCount: Int,
    rows: UnsafeBufferPointer<Int32>, layers: UnsafeMutablePointer<T>, mean: UnsafeMutablePointer<T>
) {
    let layerSize = n * d
    for r in rows { (layers + Int(r) * d).update(from: ego + Int(r) * d, count: d) }
    if layerCount > 0 {
        for k in 1...layerCount {
            let previous = k == 1 ? ego : UnsafePointer(layers + (k - 1) * layerSize)
            if k < layerCount {
                sparseMatMulForward(adjacency, x: previous, y: layers + k * layerSize, width: d)
            } else {
                sparseMatMul(adjacency, previous, rows: rows, into: layers + k * layerSize, width: d)
            }
        }
    }
    for r32 in rows {
        let r = Int(r32) * d
        for c in 0..<d {
            mean[r + c] = layerMean(layers, at: r + c, layerSize: layerSize, layerCount: layerCount)
        }
    }
}

/// Backward propagation: accumulates d(loss)/d[E_user; E_item] into `egoGradient` `[N, d]`.
///
/// - `meanGradient`: d(loss)/d(mean), `[N, d]`; `layerGradients`: optional d(loss)/d(X_k),
///   `[(K + 1), N, d]` (GraphAU's per-layer losses). Both must be zero outside `rows`.
/// - `rows`: the node ids where they may be non-zero, each listed once (a training batch's users,
///   items and negatives).
/// - `scratch`: `[2, N, d]` workspace (overwritten).
///
/// With the direct terms `D_k = mean' / (K + 1) + layer'_k` and `G_k` = d(loss)/d(X_k) in total:
///
///     G_K = D_K,   G_k = D_k + Âᵀ · G_{k+1},   egoGradient += G_0        (Âᵀ = Â)
///
/// `D_k` lives on the few batch rows, so `Â · G_K` is a scatter from those rows (their non-zeros
/// only), the remaining products are full SpMMs, the last one accumulating straight into
/// `egoGradient`, and the direct terms are added at the batch rows only. No allocation.
public func lightGCNBackward<T: GSAUScalar>(
    adjacency: CSRMatrix<T>,
    meanGradient: UnsafePointer<T>, layerGradients: UnsafePointer<T>?, rows: UnsafeBufferPointer<Int32>,
    nodeCount n: Int, width d: Int, layerCount: Int,
    scratch: UnsafeMutablePointer<T>, egoGradient: UnsafeMutablePointer<T>
) {
    let layerSize = n * d
    let count = T(layerCount + 1)
    /// out[r] += D_k[r] for the listed rows.
    func addDirect(_ out: UnsafeMutablePointer<T>, layer k: Int) {
        for r32 in rows {
            let r = Int(r32) * d
            for c in 0..<d {
                var v = meanGradient[r + c] / count
                if let layerGradients { v += layerGradients[k * layerSize + r + c] }
                out[r + c] += v
            }
        }
    }
    if layerCount == 0 { addDirect(egoGradient, layer: 0); return }
    // D_K at its rows (elsewhere zero), then Â · G_K by scattering those rows.
    let direct = scratch + layerSize
    for r32 in rows { (direct + Int(r32) * d).update(repeating: 0, count: d) }
    addDirect(direct, layer: layerCount)
    var current = scratch                               // Â · G_{k+1}, then G_k
    var next = scratch + layerSize
    if layerCount == 1 {
        sparseMatMulTransposedScatter(adjacency, direct, rows: rows, into: egoGradient, width: d)
    } else {
        current.update(repeating: 0, count: layerSize)
        sparseMatMulTransposedScatter(adjacency, direct, rows: rows, into: current, width: d)
        var k = layerCount - 1
        while k >= 1 {
            addDirect(current, layer: k)                // current = G_k
            if k == 1 {
                sparseMatMulBackward(adjacency, dy: current, dx: egoGradient, width: d)   // += Â · G_1
            } else {
                sparseMatMulForward(adjacency, x: current, y: next, width: d)
                swap(&current, &next)
            }
            k -= 1
        }
    }
    addDirect(egoGradient, layer: 0)                    // G_0 = D_0 + Â · G_1
}

/// Element `i` of the layer mean: ((X0 + X1) + …) / (K + 1), summed in layer order (the same
/// order in the full and the batch-row forward, so their rows agree bit for bit).
@inline(__always)
func layerMean<T: GSAUScalar>(_ layers: UnsafePointer<T>, at i: Int, layerSize: Int, layerCount: Int) -> T {
    var sum = layers[i]
    if layerCount > 0 { for k in 1...layerCount { sum += layers[k * layerSize + i] } }
    return sum / T(layerCount + 1)
}
