import XCTest
@testable import GSAU

final class GraphLightGCNTests: XCTestCase {
    /// Runs the forward pass on Swift arrays; returns (layers, mean).
    private func forward<T: GSAUScalar>(_ a: CSRMatrix<T>, users: [T], items: [T], userCount: Int, itemCount: Int,
                                        width d: Int, layerCount: Int, threads: Int = 0) -> ([T], [T]) {
        var workspace = LightGCNWorkspace<T>(userCount: userCount, itemCount: itemCount, width: d, layerCount: layerCount)
        users.withUnsafeBufferPointer { up in items.withUnsafeBufferPointer { ip in
            workspace.layers.withUnsafeMutableBufferPointer { lp in workspace.mean.withUnsafeMutableBufferPointer { mp in
                lightGCNForward(adjacency: a, userTable: up.baseAddress!, itemTable: ip.baseAddress!,
                                userCount: userCount, itemCount: itemCount, width: d, layerCount: layerCount,
                                layers: lp.baseAddress!, mean: mp.baseAddress!, threads: threads)
            } }
        } }
        return (workspace.layers, workspace.mean)
    }

    /// Known answer: layer-mean tables of the reference (K = 2) from `params_before` (atol 1e-6).
    func testMeanTablesMatchFixture() throws {
        let fixture = try GraphKernelFixture.load("gsau_rec_step")
        let before = try XCTUnwrap(fixture["params_before"] as? [String: Any])
        let users = try XCTUnwrap(GraphKernelFixture.tensor(before["embedding_layer.user_embedding.weight"])).data.map { Float($0) }
        let items = try XCTUnwrap(GraphKernelFixture.tensor(before["embedding_layer.item_embedding.weight"])).data.map { Float($0) }
        let lightgcn = try XCTUnwrap(fixture["lightgcn"] as? [String: Any])
        let userMean = try XCTUnwrap(GraphKernelFixture.tensor(lightgcn["user_mean"]))
        let itemMean = try XCTUnwrap(GraphKernelFixture.tensor(lightgcn["item_mean"]))
        XCTAssertEqual(userMean.shape, [25, 16])
        XCTAssertEqual(itemMean.shape, [21, 16])

        let edges = try GraphKernelFixture.graphTrainEdges()
        let nU = GraphKernelFixture.userCount, nI = GraphKernelFixture.itemCount, d = 16
        let a: CSRMatrix<Float> = try normalizedAdjacency(userIds: edges.users, itemIds: edges.items,
                                                          userCount: nU, itemCount: nI)
        let (layers, mean) = forward(a, users: users, items: items, userCount: nU, itemCount: nI,
                                     width: d, layerCount: 2)
        let expected = userMean.data + itemMean.data
        var worst = 0.0
        for i in 0..<expected.count { worst = max(worst, abs(Double(mean[i]) - expected[i])) }
        XCTAssertLessThanOrEqual(worst, 1e-6)
        // Layer 0 is the raw tables; PAD nodes (isolated) average to E/3.
        XCTAssertEqual(Array(layers[0..<(nU * d)]), users)
        XCTAssertEqual(Array(layers[(nU * d)..<((nU + nI) * d)]), items)
        print("FIXTURE lightgcn mean tables: max |mean - reference| = \(worst)")
    }

    /// Known answer for the backward: the recorded d(total)/d(mean tables), pushed back through the
    /// propagation, gives the recorded table gradients (atol 1e-6 + rtol 1e-3, the README's
    /// gradient tolerance). The user table is graph-only in every case; in `directau` the item table
    /// is too, so both tables are compared there.
    func testBackwardMatchesFixtureGradients() throws {
        for (name, compareItems) in [("gsau_rec_step", false), ("gsau_align_step", false), ("directau_step", true)] {
            let fixture = try GraphKernelFixture.load(name)
            let lightgcn = try XCTUnwrap(fixture["lightgcn"] as? [String: Any])
            let grads = try XCTUnwrap(fixture["grads"] as? [String: Any])
            let meanGradient = try XCTUnwrap(GraphKernelFixture.tensor(lightgcn["grad_user_mean"])).data
                + XCTUnwrap(GraphKernelFixture.tensor(lightgcn["grad_item_mean"])).data
            let expectedUser = try XCTUnwrap(GraphKernelFixture.tensor(grads["embedding_layer.user_embedding.weight"])).data
            let expectedItem = try XCTUnwrap(GraphKernelFixture.tensor(grads["embedding_layer.item_embedding.weight"])).data
            let edges = try GraphKernelFixture.graphTrainEdges()
            let nU = GraphKernelFixture.userCount, nI = GraphKernelFixture.itemCount, d = 16
            let a: CSRMatrix<Float> = try normalizedAdjacency(userIds: edges.users, itemIds: edges.items,
                                                              userCount: nU, itemCount: nI)
            let g = meanGradient.map { Float($0) }
            // The rows the losses touched (the fixture's gradient is zero elsewhere).
            let rows = (0..<Int32(nU + nI)).filter { r in (0..<d).contains { g[Int(r) * d + $0] != 0 } }
            XCTAssertLessThan(rows.count, nU + nI)
            var workspace = LightGCNWorkspace<Float>(userCount: nU, itemCount: nI, width: d, layerCount: 2)
            var ego = [Float](repeating: 0, count: (nU + nI) * d)
            g.withUnsafeBufferPointer { gp in workspace.scratch.withUnsafeMutableBufferPointer { sp in
                rows.withUnsafeBufferPointer { rp in ego.withUnsafeMutableBufferPointer { ep in
                    lightGCNBackward(adjacency: a, meanGradient: gp.baseAddress!, layerGradients: nil, rows: rp,
                                     nodeCount: nU + nI, width: d, layerCount: 2,
                                     scratch: sp.baseAddress!, egoGradient: ep.baseAddress!)
                } }
            } }
            let dUser = Array(ego[0..<(nU * d)]), dItem = Array(ego[(nU * d)...])
            func compare(_ got: [Float], _ expected: [Double], _ what: String) -> Double {
                var worst = 0.0
                for i in 0..<expected.count {
                    let error = abs(Double(got[i]) - expected[i])
                    worst = max(worst, error)
                    XCTAssertLessThanOrEqual(error, 1e-6 + 1e-3 * abs(expected[i]), "\(name) \(what)[\(i)]")
                }
                return worst
            }
            let userWorst = compare(dUser, expectedUser, "dE_user")
            XCTAssertEqual(dUser[0..<d].map(\.bitPattern), [UInt32](repeating: 0, count: d), "PAD user gradient is exactly 0")
            var message = "FIXTURE \(name) lightgcn backward: dE_user max abs err \(userWorst)"
            if compareItems { message += ", dE_item max abs err \(compare(dItem, expectedItem, "dE_item"))" }
            print(message)
        }
    }

    /// Backward through K layers against finite differences (Double, h = 1e-6, atol 1e-8 + rtol 1e-6)
    /// of the random scalar projection `L = Σ R ∘ mean + Σ_k S_k ∘ X_k`, R and S_k non-zero on a
    /// subset of rows only (a batch), with and without the per-layer terms, for K = 0...3. Checks
    /// every user- and item-table entry; the gradients are accumulated onto non-zero starting values.
    func testBackwardGradient() throws {
        let nU = 6, nI = 5, d = 3
        let a: CSRMatrix<Double> = try graphKernelRandomAdjacency(users: nU, items: nI, edges: 14, seed: 11)
        let n = nU + nI
        let rows: [Int32] = [7, 0, 3, 9, 4]                 // unsorted, as a batch lists them
        for layerCount in 0...3 {
            for perLayer in [false, true] {
                var random = TestRandom(seed: UInt64(100 + layerCount))
                let users = random.array(nU * d), items = random.array(nI * d)
                func onRows(_ values: [Double]) -> [Double] {
                    values.enumerated().map { rows.contains(Int32(($0.offset / d) % n)) ? $0.element : 0 }
                }
                let meanProjection = onRows(random.array(n * d))
                let layerProjection = perLayer ? onRows(random.array((layerCount + 1) * n * d)) : []
                func loss(_ tables: [Double]) -> Double {
                    let (layers, mean) = forward(a, users: Array(tables[0..<(nU * d)]), items: Array(tables[(nU * d)...]),
                                                 userCount: nU, itemCount: nI, width: d, layerCount: layerCount, threads: 1)
                    var l = zip(mean, meanProjection).reduce(0) { $0 + $1.0 * $1.1 }
                    if perLayer { l += zip(layers, layerProjection).reduce(0) { $0 + $1.0 * $1.1 } }
                    return l
                }
                let offset = random.array(n * d)
                var ego = offset
                var scratch = [Double](repeating: .nan, count: LightGCNWorkspace<Double>.scratchSize(userCount: nU, itemCount: nI, width: d))
                meanProjection.withUnsafeBufferPointer { mp in layerProjection.withUnsafeBufferPointer { lp in
                    scratch.withUnsafeMutableBufferPointer { sp in
                        rows.withUnsafeBufferPointer { rp in ego.withUnsafeMutableBufferPointer { ep in
                            lightGCNBackward(adjacency: a, meanGradient: mp.baseAddress!,
                                             layerGradients: perLayer ? lp.baseAddress! : nil, rows: rp,
                                             nodeCount: n, width: d, layerCount: layerCount,
                                             scratch: sp.baseAddress!, egoGradient: ep.baseAddress!)
                        } }
                    }
                } }
                let analytic = zip(ego, offset).map { $0 - $1 }
                let numeric = GradientCheck.numeric(users + items, step: 1e-6, loss)
                GradientCheck.assertClose(analytic: analytic, numeric: numeric, atol: 1e-8, rtol: 1e-6,
                                          "LightGCN K=\(layerCount) perLayer=\(perLayer)")
                graphKernelReportGradient("LightGCN K=\(layerCount) perLayer=\(perLayer)", analytic: analytic, numeric: numeric)
            }
        }
    }

    /// The training forward computes the batch rows of the last layer and the mean bitwise equal to
    /// the full forward's, and layers 1 ..< K in full.
    func testTrainingForwardMatchesTheFullForwardAtTheBatchRows() throws {
        let nU = 7, nI = 6, d = 4, n = nU + nI
        let a: CSRMatrix<Float> = try graphKernelRandomAdjacency(users: nU, items: nI, edges: 20, seed: 5)
        var random = TestRandom(seed: 9)
        let ego = random.array(n * d).map { Float($0) }
        let rows: [Int32] = [2, 11, 0, 8]
        for layerCount in 1...3 {
            var fullLayers = [Float](repeating: 0, count: (layerCount + 1) * n * d), fullMean = [Float](repeating: 0, count: n * d)
            var layers = [Float](repeating: .nan, count: fullLayers.count), mean = [Float](repeating: .nan, count: n * d)
            ego.withUnsafeBufferPointer { e in
                lightGCNForward(adjacency: a, userTable: e.baseAddress!, itemTable: e.baseAddress! + nU * d, userCount: nU,
                                itemCount: nI, width: d, layerCount: layerCount, layers: &fullLayers, mean: &fullMean)
                rows.withUnsafeBufferPointer { r in
                    lightGCNForward(adjacency: a, ego: e.baseAddress!, nodeCount: n, width: d, layerCount: layerCount,
                                    rows: r, layers: &layers, mean: &mean)
                }
            }
            for r in rows.map(Int.init) {
                XCTAssertEqual(Array(mean[(r * d)..<((r + 1) * d)]), Array(fullMean[(r * d)..<((r + 1) * d)]))
                for k in 0...layerCount {
                    let o = k * n * d + r * d
                    XCTAssertEqual(Array(layers[o..<(o + d)]), Array(fullLayers[o..<(o + d)]), "K=\(layerCount) layer \(k)")
                }
            }
            for k in 1..<layerCount { XCTAssertEqual(Array(layers[(k * n * d)..<((k + 1) * n * d)]), Array(fullLayers[(k * n * d)..<((k + 1) * n * d)])) }
        }
    }
}
