// LightGCN propagation (model-spec §2.3) over the normalised adjacency `Â` of
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
    let count = T(layerCount + 1)
    let job = UnsafeSendable((mean, UnsafePointer(layers)))
    parallelChunks(layerSize) { range in
        let (mean, layers) = job.pointer
        for i in range {
            var sum = layers[i]
            if layerCount > 0 { for k in 1...layerCount { sum += layers[k * layerSize + i] } }
            mean[i] = sum / count
        }
    }
}

/// Backward propagation: accumulates into the two table gradients.
///
/// - `meanGradient`: d(loss)/d(mean), `[N, d]` (rows that no loss touched are zero).
/// - `layerGradients`: optional d(loss)/d(X_k) for each layer, `[(K + 1), N, d]` (the per-layer
///   losses of GraphAU); `nil` when only the mean is used.
/// - `scratch`: `[2, N, d]` workspace (overwritten).
/// - `userTableGradient` `[userCount, d]`, `itemTableGradient` `[itemCount, d]`: accumulated (+=).
///
/// With `G_k` = d(loss)/d(X_k) in total (direct terms plus everything flowing back through later layers):
///
///     G_K = mean' / (K + 1) + layer'_K
///     G_k = mean' / (K + 1) + layer'_k + Âᵀ · G_{k+1}      (Âᵀ = Â, see `sparseMatMulBackward`)
///
/// and `G_0` is split into the user and item table gradients. No allocation.
public func lightGCNBackward<T: GSAUScalar>(
    adjacency: CSRMatrix<T>,
    meanGradient: UnsafePointer<T>, layerGradients: UnsafePointer<T>?,
    userCount: Int, itemCount: Int, width d: Int, layerCount: Int,
    scratch: UnsafeMutablePointer<T>,
    userTableGradient: UnsafeMutablePointer<T>, itemTableGradient: UnsafeMutablePointer<T>,
    threads: Int = 0
) {
    let layerSize = (userCount + itemCount) * d
    let count = T(layerCount + 1)
    var current = scratch                   // G_{k+1}
    var next = scratch + layerSize          // G_k

    /// out[i] (+)= meanGradient[i] / (K+1) + layerGradients[k][i], elementwise in parallel chunks.
    func addDirect(_ out: UnsafeMutablePointer<T>, layer k: Int, accumulate: Bool) {
        let job = UnsafeSendable((out, meanGradient, layerGradients.map { $0 + k * layerSize }))
        parallelChunks(layerSize) { range in
            let (out, meanGradient, direct) = job.pointer
            for i in range {
                var v = meanGradient[i] / count
                if let direct { v += direct[i] }
                out[i] = accumulate ? out[i] + v : v
            }
        }
    }

    // current = G_K
    addDirect(current, layer: layerCount, accumulate: false)
    var k = layerCount - 1
    while k >= 0 {
        sparseMatMulForward(adjacency, x: current, y: next, width: d, threads: threads)   // Âᵀ G_{k+1}
        addDirect(next, layer: k, accumulate: true)
        swap(&current, &next)
        k -= 1
    }
    // current = G_0 = [dE_user; dE_item]
    let userPart = userCount * d
    for i in 0..<userPart { userTableGradient[i] += current[i] }
    let items = current + userPart
    for i in 0..<(itemCount * d) { itemTableGradient[i] += items[i] }
}
