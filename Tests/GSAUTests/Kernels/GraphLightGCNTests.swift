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
            var workspace = LightGCNWorkspace<Float>(userCount: nU, itemCount: nI, width: d, layerCount: 2)
            var dUser = [Float](repeating: 0, count: nU * d), dItem = [Float](repeating: 0, count: nI * d)
            g.withUnsafeBufferPointer { gp in workspace.scratch.withUnsafeMutableBufferPointer { sp in
                dUser.withUnsafeMutableBufferPointer { up in dItem.withUnsafeMutableBufferPointer { ip in
                    lightGCNBackward(adjacency: a, meanGradient: gp.baseAddress!, layerGradients: nil,
                                     userCount: nU, itemCount: nI, width: d, layerCount: 2,
                                     scratch: sp.baseAddress!, userTableGradient: up.baseAddress!,
                                     itemTableGradient: ip.baseAddress!)
                } }
            } }
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
    /// of the random scalar projection `L = Σ R ∘ mean + Σ_k S_k ∘ X_k`, with and without the
    /// per-layer terms, for K = 0...3. Checks every user- and item-table entry; the table
    /// gradients are accumulated onto non-zero starting values.
    func testBackwardGradient() throws {
        let nU = 6, nI = 5, d = 3
        let a: CSRMatrix<Double> = try graphKernelRandomAdjacency(users: nU, items: nI, edges: 14, seed: 11)
        let n = nU + nI
        for layerCount in 0...3 {
            for perLayer in [false, true] {
                var random = TestRandom(seed: UInt64(100 + layerCount))
                let users = random.array(nU * d), items = random.array(nI * d)
                let meanProjection = random.array(n * d)
                let layerProjection = perLayer ? random.array((layerCount + 1) * n * d) : []
                func loss(_ tables: [Double]) -> Double {
                    let (layers, mean) = forward(a, users: Array(tables[0..<(nU * d)]), items: Array(tables[(nU * d)...]),
                                                 userCount: nU, itemCount: nI, width: d, layerCount: layerCount, threads: 1)
                    var l = zip(mean, meanProjection).reduce(0) { $0 + $1.0 * $1.1 }
                    if perLayer { l += zip(layers, layerProjection).reduce(0) { $0 + $1.0 * $1.1 } }
                    return l
                }
                let userOffset = random.array(nU * d), itemOffset = random.array(nI * d)
                var dUser = userOffset, dItem = itemOffset
                var scratch = [Double](repeating: .nan, count: LightGCNWorkspace<Double>.scratchSize(userCount: nU, itemCount: nI, width: d))
                meanProjection.withUnsafeBufferPointer { mp in layerProjection.withUnsafeBufferPointer { lp in
                    scratch.withUnsafeMutableBufferPointer { sp in
                        dUser.withUnsafeMutableBufferPointer { up in dItem.withUnsafeMutableBufferPointer { ip in
                            lightGCNBackward(adjacency: a, meanGradient: mp.baseAddress!,
                                             layerGradients: perLayer ? lp.baseAddress! : nil,
                                             userCount: nU, itemCount: nI, width: d, layerCount: layerCount,
                                             scratch: sp.baseAddress!, userTableGradient: up.baseAddress!,
                                             itemTableGradient: ip.baseAddress!, threads: 2)
                        } }
                    }
                } }
                let analytic = zip(dUser, userOffset).map { $0 - $1 } + zip(dItem, itemOffset).map { $0 - $1 }
                let numeric = GradientCheck.numeric(users + items, step: 1e-6, loss)
                GradientCheck.assertClose(analytic: analytic, numeric: numeric, atol: 1e-8, rtol: 1e-6,
                                          "LightGCN K=\(layerCount) perLayer=\(perLayer)")
                graphKernelReportGradient("LightGCN K=\(layerCount) perLayer=\(perLayer)", analytic: analytic, numeric: numeric)
            }
        }
    }
}
