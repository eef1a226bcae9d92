import Foundation
import XCTest
@testable import GSAU

final class AlignmentUniformityGradientTests: XCTestCase {
    // MARK: helpers (Swift arrays around the pointer kernels)

    private func align<T: GSAUScalar>(_ x: [T], _ y: [T], rows b: Int, width d: Int) throws -> T {
        try x.withUnsafeBufferPointer { xp in try y.withUnsafeBufferPointer { yp in
            try alignmentForward(x: xp.baseAddress!, y: yp.baseAddress!, rows: b, width: d)
        } }
    }

    private func unif<T: GSAUScalar>(_ x: [T], rows b: Int, width d: Int, workspace: inout [T]) throws -> T {
        try x.withUnsafeBufferPointer { xp in try workspace.withUnsafeMutableBufferPointer { wp in
            try uniformityForward(x: xp.baseAddress!, rows: b, width: d, workspace: wp.baseAddress!)
        } }
    }

    private func unif<T: GSAUScalar>(_ x: [T], rows b: Int, width d: Int) throws -> T {
        var workspace = [T](repeating: 0, count: uniformityWorkspaceSize(rows: b))
        return try unif(x, rows: b, width: d, workspace: &workspace)
    }

    private func pairedUnif<T: GSAUScalar>(_ x: [T], _ y: [T], rows b: Int, width d: Int, workspace: inout [T]) throws -> T {
        try x.withUnsafeBufferPointer { xp in try y.withUnsafeBufferPointer { yp in
            try workspace.withUnsafeMutableBufferPointer { wp in
                try pairedUniformityForward(x: xp.baseAddress!, y: yp.baseAddress!, rows: b, width: d,
                                            workspace: wp.baseAddress!)
            }
        } }
    }

    private func pairedUnif<T: GSAUScalar>(_ x: [T], _ y: [T], rows b: Int, width d: Int) throws -> T {
        var workspace = [T](repeating: 0, count: pairedUniformityWorkspaceSize(rows: b))
        return try pairedUnif(x, y, rows: b, width: d, workspace: &workspace)
    }

    /// Random rows, normalised to unit length (as the caller does), with row `b − 1` a copy of
    /// row 0 so a zero-distance pair is present.
    private func unitRows(_ b: Int, _ d: Int, seed: UInt64, duplicate: Bool = true) -> [Double] {
        var random = TestRandom(seed: seed)
        var x = random.array(b * d)
        for r in 0..<b {
            let norm = (0..<d).reduce(0.0) { $0 + x[r * d + $1] * x[r * d + $1] }.squareRoot()
            for k in 0..<d { x[r * d + k] /= norm }
        }
        if duplicate { for k in 0..<d { x[(b - 1) * d + k] = x[k] } }
        return x
    }

    // MARK: finite differences (Double; central, h = 1e-6; atol 1e-8 + rtol 1e-6; all coordinates)

    func testAlignmentGradient() throws {
        let b = 6, d = 4, upstream = 0.7
        let x = unitRows(b, d, seed: 1), y = unitRows(b, d, seed: 2, duplicate: false)
        var dx = [Double](repeating: 0.25, count: b * d), dy = [Double](repeating: -0.5, count: b * d)
        x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { yp in
            dx.withUnsafeMutableBufferPointer { dxp in dy.withUnsafeMutableBufferPointer { dyp in
                alignmentBackward(x: xp.baseAddress!, y: yp.baseAddress!, rows: b, width: d, upstream: upstream,
                                  dx: dxp.baseAddress!, dy: dyp.baseAddress!)
            } }
        } }
        let numeric = GradientCheck.numeric(x + y, step: 1e-6) { v in
            upstream * (try! self.align(Array(v[0..<(b * d)]), Array(v[(b * d)...]), rows: b, width: d))
        }
        GradientCheck.assertClose(analytic: dx.map { $0 - 0.25 } + dy.map { $0 + 0.5 }, numeric: numeric,
                                  atol: 1e-8, rtol: 1e-6, "align dX, dY")
        graphKernelReportGradient("align dX, dY", analytic: dx.map { $0 - 0.25 } + dy.map { $0 + 0.5 }, numeric: numeric)
    }

    func testUniformityGradient() throws {
        for (b, d) in [(2, 3), (7, 5), (13, 4)] {
            let upstream = 0.3
            let x = unitRows(b, d, seed: UInt64(10 + b), duplicate: b > 2)   // B = 2 duplicated would be flat
            var workspace = [Double](repeating: .nan, count: uniformityWorkspaceSize(rows: b))
            _ = try unif(x, rows: b, width: d, workspace: &workspace)
            var dx = [Double](repeating: 1, count: b * d)
            x.withUnsafeBufferPointer { xp in workspace.withUnsafeBufferPointer { wp in dx.withUnsafeMutableBufferPointer { dxp in
                uniformityBackward(x: xp.baseAddress!, rows: b, width: d, workspace: wp.baseAddress!,
                                   upstream: upstream, dx: dxp.baseAddress!)
            } } }
            let numeric = GradientCheck.numeric(x, step: 1e-6) { v in upstream * (try! self.unif(v, rows: b, width: d)) }
            GradientCheck.assertClose(analytic: dx.map { $0 - 1 }, numeric: numeric, atol: 1e-8, rtol: 1e-6,
                                      "unif(X) dX, B=\(b)")
            graphKernelReportGradient("unif(X) dX, B=\(b)", analytic: dx.map { $0 - 1 }, numeric: numeric)
        }
    }

    func testPairedUniformityGradient() throws {
        for b in [1, 2, 9] {
            let d = 4, upstream = 1.3
            let x = unitRows(b, d, seed: UInt64(20 + b), duplicate: false)
            var y = unitRows(b, d, seed: UInt64(30 + b), duplicate: false)
            if b > 1 { for k in 0..<d { y[k] = x[k] } }          // one zero-distance pair
            var workspace = [Double](repeating: .nan, count: pairedUniformityWorkspaceSize(rows: b))
            _ = try pairedUnif(x, y, rows: b, width: d, workspace: &workspace)
            var dx = [Double](repeating: 0, count: b * d), dy = [Double](repeating: 0, count: b * d)
            x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { yp in workspace.withUnsafeBufferPointer { wp in
                dx.withUnsafeMutableBufferPointer { dxp in dy.withUnsafeMutableBufferPointer { dyp in
                    pairedUniformityBackward(x: xp.baseAddress!, y: yp.baseAddress!, rows: b, width: d,
                                             workspace: wp.baseAddress!, upstream: upstream,
                                             dx: dxp.baseAddress!, dy: dyp.baseAddress!)
                } }
            } } }
            let numeric = GradientCheck.numeric(x + y, step: 1e-6) { v in
                upstream * (try! self.pairedUnif(Array(v[0..<(b * d)]), Array(v[(b * d)...]), rows: b, width: d))
            }
            GradientCheck.assertClose(analytic: dx + dy, numeric: numeric, atol: 1e-8, rtol: 1e-6,
                                      allowZero: b == 1, "unif(X, Y) dX, dY, B=\(b)")
            graphKernelReportGradient("unif(X, Y) dX, dY, B=\(b)", analytic: dx + dy, numeric: numeric)
        }
    }

    // MARK: values

    /// Against the definitions evaluated directly (pairwise differences, no Gram matrix), including
    /// un-normalised rows far apart, where a naive mean of exp() would underflow to log(0).
    func testValuesAgainstDirectDefinitions() throws {
        for scale in [1.0, 40.0] {
            let b = 9, d = 5
            let x = unitRows(b, d, seed: 41).map { $0 * scale }, y = unitRows(b, d, seed: 42).map { $0 * scale }
            func sq(_ p: [Double], _ r: Int, _ q: [Double], _ c: Int) -> Double {
                (0..<d).reduce(0.0) { s, k in let t = p[r * d + k] - q[c * d + k]; return s + t * t }
            }
            func logMeanExp(_ z: [Double]) -> Double {
                let m = z.max()!
                return m + Foundation.log(z.reduce(0.0) { $0 + Foundation.exp($1 - m) } / Double(z.count))
            }
            var pairs: [Double] = []
            for r in 0..<b { for c in (r + 1)..<b { pairs.append(-2 * sq(x, r, x, c)) } }
            let expectedUnif = logMeanExp(pairs)
            let expectedPaired = logMeanExp((0..<b).map { -2 * sq(x, $0, y, $0) })
            let expectedAlign = (0..<b).reduce(0.0) { $0 + sq(x, $1, y, $1) } / Double(b)
            let u = try unif(x, rows: b, width: d)
            XCTAssertTrue(u.isFinite)
            XCTAssertEqual(u, expectedUnif, accuracy: 1e-12 * max(1, abs(expectedUnif)) * scale * scale)
            XCTAssertEqual(try pairedUnif(x, y, rows: b, width: d), expectedPaired, accuracy: 1e-12 * max(1, abs(expectedPaired)))
            XCTAssertEqual(try align(x, y, rows: b, width: d), expectedAlign, accuracy: 1e-12 * max(1, expectedAlign))
        }
        // All rows identical: every pair has distance 0, so unif = log(1) = 0.
        let same = [Double](repeating: 0.5, count: 4 * 4)
        XCTAssertEqual(try unif(same, rows: 4, width: 4), 0, accuracy: 1e-15)
    }

    /// A batch of several row chunks (the kernels split the [B, B] pair matrix into chunks of 32
    /// rows over the cores): the value, every pair weight (symmetric, zero diagonal) and the
    /// gradient against the definitions evaluated pair by pair.
    func testManyRowChunksAgainstPairwiseDefinitions() throws {
        let b = 150, d = 6, upstream = 0.3
        let x = unitRows(b, d, seed: 43)
        func sq(_ r: Int, _ c: Int) -> Double {
            (0..<d).reduce(0.0) { s, k in let t = x[r * d + k] - x[c * d + k]; return s + t * t }
        }
        var z: [[Double]] = Array(repeating: Array(repeating: 0, count: b), count: b)
        var m = -Double.infinity
        for r in 0..<b { for c in (r + 1)..<b { z[r][c] = -2 * sq(r, c); z[c][r] = z[r][c]; m = max(m, z[r][c]) } }
        var total = 0.0
        for r in 0..<b { for c in (r + 1)..<b { total += Foundation.exp(z[r][c] - m) } }
        let expected = m + Foundation.log(total / (Double(b) * Double(b - 1) / 2))
        var workspace = [Double](repeating: .nan, count: uniformityWorkspaceSize(rows: b))
        XCTAssertEqual(try unif(x, rows: b, width: d, workspace: &workspace), expected, accuracy: 1e-12)
        for r in 0..<b {
            XCTAssertEqual(workspace[r * b + r], 0)
            for c in 0..<b where c != r {
                XCTAssertEqual(workspace[r * b + c], Foundation.exp(z[r][c] - m) / total, accuracy: 1e-15, "w[\(r), \(c)]")
                XCTAssertEqual(workspace[r * b + c], workspace[c * b + r], "w symmetric at \(r), \(c)")
            }
        }
        var dx = [Double](repeating: 0, count: b * d)
        x.withUnsafeBufferPointer { xp in workspace.withUnsafeBufferPointer { wp in dx.withUnsafeMutableBufferPointer { dp in
            uniformityBackward(x: xp.baseAddress!, rows: b, width: d, workspace: wp.baseAddress!, upstream: upstream,
                               dx: dp.baseAddress!)
        } } }
        for r in 0..<b {
            for k in 0..<d {
                var g = 0.0
                for c in 0..<b where c != r { g += Foundation.exp(z[r][c] - m) / total * -4 * (x[r * d + k] - x[c * d + k]) }
                XCTAssertEqual(dx[r * d + k], upstream * g, accuracy: 1e-12, "dx[\(r), \(k)]")
            }
        }
    }

    func testTooFewRowsIsAnError() {
        let one: [Float] = [1, 0]
        XCTAssertThrowsError(try unif(one, rows: 1, width: 2)) { error in
            guard case GSAUError.invalidArgument = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try unif([Float](), rows: 0, width: 2))
        XCTAssertThrowsError(try align([Float](), [Float](), rows: 0, width: 2))
        XCTAssertThrowsError(try pairedUnif([Float](), [Float](), rows: 0, width: 2))
        XCTAssertNoThrow(try pairedUnif(one, one, rows: 1, width: 2))
        // Backward with too few rows is a no-op, not a crash.
        var dx: [Float] = [3, 4]
        let w: [Float] = [0, 0]
        one.withUnsafeBufferPointer { xp in w.withUnsafeBufferPointer { wp in dx.withUnsafeMutableBufferPointer { dp in
            uniformityBackward(x: xp.baseAddress!, rows: 1, width: 2, workspace: wp.baseAddress!, upstream: 1, dx: dp.baseAddress!)
        } } }
        XCTAssertEqual(dx, [3, 4])
    }

    // MARK: fixture (float32 path vs the reference's loss components, rel 1e-5)

    func testGraphLossesMatchFixture() throws {
        var worst = 0.0
        for name in ["gsau_rec_step", "gsau_align_step", "directau_step"] {
            let fixture = try GraphKernelFixture.load(name)
            let vectors = try XCTUnwrap(fixture["normalised_batch_vectors"] as? [String: Any])
            let components = try XCTUnwrap((fixture["loss"] as? [String: Any])?["components"] as? [String: Any])
            let users = try XCTUnwrap(GraphKernelFixture.tensor(vectors["graph_user_hat"]))
            let items = try XCTUnwrap(GraphKernelFixture.tensor(vectors["graph_item_hat"]))
            let b = users.shape[0], d = users.shape[1]
            let u = users.data.map { Float($0) }, i = items.data.map { Float($0) }
            let checks: [(String, Float)] = [
                ("graph_align", try align(u, i, rows: b, width: d)),
                ("graph_unif_user", try unif(u, rows: b, width: d)),
                ("graph_unif_item", try unif(i, rows: b, width: d)),
            ]
            for (key, value) in checks {
                let expected = try XCTUnwrap((components[key] as? NSNumber)?.doubleValue, "\(name) \(key)")
                let relative = abs(Double(value) - expected) / abs(expected)
                worst = max(worst, relative)
                XCTAssertLessThanOrEqual(relative, 1e-5, "\(name) \(key): \(value) vs \(expected)")
                print("FIXTURE \(name) \(key): \(value) vs \(expected), rel \(relative)")
            }
        }
        print("FIXTURE graph losses: worst relative error \(worst)")
    }

    /// The sequential uniformity terms use the same kernels; `unif(Ŝ, T̂[π])` with the recorded
    /// derangement exercises the paired variant against the reference.
    func testSequentialUniformityMatchesFixture() throws {
        for name in ["gsau_rec_step", "gsau_align_step", "sasrec_u_step"] {
            let fixture = try GraphKernelFixture.load(name)
            let vectors = try XCTUnwrap(fixture["normalised_batch_vectors"] as? [String: Any])
            let components = try XCTUnwrap((fixture["loss"] as? [String: Any])?["components"] as? [String: Any])
            let seq = try XCTUnwrap(GraphKernelFixture.tensor(vectors["seq_hat"]))
            let target = try XCTUnwrap(GraphKernelFixture.tensor(vectors["target_item_hat"]))
            let perm = GraphKernelFixture.integers((fixture["u_i_derangement"] as? [String: Any])?["perm"])
            let b = seq.shape[0], d = seq.shape[1]
            XCTAssertEqual(perm.count, b)
            let s = seq.data.map { Float($0) }, t = target.data.map { Float($0) }
            var deranged = [Float](repeating: 0, count: b * d)
            for r in 0..<b { for k in 0..<d { deranged[r * d + k] = t[perm[r] * d + k] } }
            var checks: [(String, Float)] = [
                ("seq_unif_seq", try unif(s, rows: b, width: d)),
                ("seq_unif_item", try unif(t, rows: b, width: d)),
                ("seq_unif_seq_vs_deranged_item", try pairedUnif(s, deranged, rows: b, width: d)),
            ]
            if components["seq_align"] != nil { checks.append(("seq_align", try align(s, t, rows: b, width: d))) }
            for (key, value) in checks {
                let expected = try XCTUnwrap((components[key] as? NSNumber)?.doubleValue, "\(name) \(key)")
                let relative = abs(Double(value) - expected) / abs(expected)
                XCTAssertLessThanOrEqual(relative, 1e-5, "\(name) \(key): \(value) vs \(expected)")
                print("FIXTURE \(name) \(key): \(value) vs \(expected), rel \(relative)")
            }
        }
    }
}
