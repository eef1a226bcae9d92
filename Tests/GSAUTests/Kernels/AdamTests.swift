import Foundation
import XCTest
@testable import GSAU

final class AdamTests: XCTestCase {
    /// One step on the fixture's `params_before` + `grads` against `params_after_adam`
    /// (float32, atol 1e-6; `...key.bias` compared with atol 5e-4 per the fixture README; parameters
    /// whose gradient is null are skipped by the ranged step and must stay bit-identical).
    func testFirstStepMatchesFixture() throws {
        var worstOverall = 0.0
        for name in ["gsau_rec_step", "gsau_align_step", "sasrec_u_step", "directau_step"] {
            let fixture = try GraphKernelFixture.load(name)
            let order = try XCTUnwrap(fixture["parameter_order"] as? [String])
            let before = try XCTUnwrap(fixture["params_before"] as? [String: Any])
            let grads = try XCTUnwrap(fixture["grads"] as? [String: Any])
            let after = try XCTUnwrap(fixture["params_after_adam"] as? [String: Any])
            let adam = try XCTUnwrap((fixture["config"] as? [String: Any])?["adam"] as? [String: Any])
            let betas = GraphKernelFixture.numbers(adam["betas"])
            let hyper = AdamHyperparameters(learningRate: (adam["lr"] as! NSNumber).doubleValue,
                                            beta1: betas[0], beta2: betas[1],
                                            epsilon: (adam["eps"] as! NSNumber).doubleValue,
                                            weightDecay: (adam["weight_decay"] as! NSNumber).doubleValue)
            XCTAssertEqual(hyper, AdamHyperparameters())

            // One flat buffer with a view per parameter, in the model's order.
            var parameters: [Float] = [], gradients: [Float] = [], expected: [Double] = []
            var views: [(name: String, range: Range<Int>)] = [], withGradient: [Range<Int>] = []
            for key in order {
                let p = try XCTUnwrap(GraphKernelFixture.tensor(before[key]), key).data
                let range = parameters.count..<(parameters.count + p.count)
                views.append((key, range))
                parameters += p.map { Float($0) }
                expected += try XCTUnwrap(GraphKernelFixture.tensor(after[key]), key).data
                if let g = GraphKernelFixture.tensor(grads[key])?.data {
                    gradients += g.map { Float($0) }
                    withGradient.append(range)
                } else {
                    gradients += [Float](repeating: .nan, count: p.count)   // must never be read
                }
            }
            let original = parameters
            var state = AdamState<Float>(count: parameters.count, hyperparameters: hyper)
            try parameters.withUnsafeMutableBufferPointer { p in
                try gradients.withUnsafeBufferPointer { g in try state.step(parameters: p, gradients: g, ranges: withGradient) }
            }
            XCTAssertEqual(state.step, 1)

            var worst = 0.0, worstName = "", worstKeyBias = 0.0, bitEqual = 0
            for (key, range) in views {
                let isKeyBias = key.hasSuffix("key.bias")
                let hasGradient = withGradient.contains(range)
                for i in range {
                    let error = abs(Double(parameters[i]) - expected[i])
                    if Float(expected[i]) == parameters[i] { bitEqual += 1 }
                    if !hasGradient { XCTAssertEqual(parameters[i].bitPattern, original[i].bitPattern, key) }
                    if isKeyBias {
                        worstKeyBias = max(worstKeyBias, error)
                    } else if error > worst {
                        worst = error; worstName = key
                    }
                }
            }
            XCTAssertLessThanOrEqual(worst, 1e-6, "\(name): worst at \(worstName)")
            XCTAssertLessThanOrEqual(worstKeyBias, 5e-4, "\(name): key.bias")
            worstOverall = max(worstOverall, worst)
            print("FIXTURE \(name) adam: max |p - reference| = \(worst) (\(worstName)), key.bias \(worstKeyBias), bit-equal \(bitEqual)/\(parameters.count)")
        }
        print("FIXTURE adam: worst over cases \(worstOverall)")
    }

    /// Several steps with weight decay against the textbook formulas evaluated in Double.
    func testMatchesTextbookAdamOverSteps() throws {
        let hyper = AdamHyperparameters(learningRate: 0.01, beta1: 0.9, beta2: 0.99, epsilon: 1e-8, weightDecay: 0.05)
        let count = 11
        var random = TestRandom(seed: 3)
        var parameters = random.array(count)
        var reference = parameters
        var m = [Double](repeating: 0, count: count), v = m
        var state = AdamState<Double>(count: count, hyperparameters: hyper)
        for t in 1...5 {
            let gradients = random.array(count)
            try parameters.withUnsafeMutableBufferPointer { p in
                try gradients.withUnsafeBufferPointer { g in try state.step(parameters: p, gradients: g) }
            }
            for i in 0..<count {
                let g = gradients[i] + hyper.weightDecay * reference[i]
                m[i] = hyper.beta1 * m[i] + (1 - hyper.beta1) * g
                v[i] = hyper.beta2 * v[i] + (1 - hyper.beta2) * g * g
                let bc1 = 1 - Foundation.pow(hyper.beta1, Double(t)), bc2 = 1 - Foundation.pow(hyper.beta2, Double(t))
                reference[i] -= hyper.learningRate / bc1 * m[i] / (v[i].squareRoot() / bc2.squareRoot() + hyper.epsilon)
            }
            for i in 0..<count { XCTAssertEqual(parameters[i], reference[i], accuracy: 1e-14, "step \(t), entry \(i)") }
        }
        XCTAssertEqual(state.step, 5)
        for i in 0..<count {
            XCTAssertEqual(state.firstMoment[i], m[i], accuracy: 1e-15, "first moment \(i)")
            XCTAssertEqual(state.secondMoment[i], v[i], accuracy: 1e-15, "second moment \(i)")
        }
    }

    /// A zero gradient at the first step leaves the parameter bit-identical (torch does the same).
    func testZeroGradientFirstStepLeavesParameters() throws {
        var parameters: [Float] = [0.25, -1.5, 3e-7, 0]
        let original = parameters
        let gradients = [Float](repeating: 0, count: 4)
        var state = AdamState<Float>(count: 4)
        try parameters.withUnsafeMutableBufferPointer { p in
            try gradients.withUnsafeBufferPointer { g in try state.step(parameters: p, gradients: g) }
        }
        XCTAssertEqual(parameters.map(\.bitPattern), original.map(\.bitPattern))
    }

    /// The clearing step (the trainer's) against a scalar Float loop written out from the update
    /// rule, bit for bit, over a buffer long enough for several parallel chunks and a vector tail;
    /// every gradient entry is zero afterwards. With and without weight decay, over three steps.
    func testClearingStepMatchesTheScalarRuleBitForBit() throws {
        let count = 200_003
        for weightDecay in [0.0, 0.01] {
            let h = AdamHyperparameters(learningRate: 1e-3, weightDecay: weightDecay)
            var random = TestRandom(seed: 5)
            var parameters = (0..<count).map { _ in Float(random.uniform()) }
            var expected = parameters
            var m = [Float](repeating: 0, count: count), v = [Float](repeating: 0, count: count)
            var state = AdamState<Float>(count: count, hyperparameters: h)
            for t in 1...3 {
                let drawn = (0..<count).map { _ in Float(random.uniform(1e-2)) }
                var gradients = drawn
                try parameters.withUnsafeMutableBufferPointer { p in
                    try gradients.withUnsafeMutableBufferPointer { g in try state.stepClearingGradients(parameters: p, gradients: g) }
                }
                XCTAssertTrue(gradients.allSatisfy { $0.bitPattern == 0 }, "gradients cleared at step \(t)")
                let bc1 = 1 - Foundation.pow(h.beta1, Double(t)), bc2 = 1 - Foundation.pow(h.beta2, Double(t))
                let step = Float(-(h.learningRate / bc1)), bc2Sqrt = Float(bc2.squareRoot())
                let w = Float(1 - h.beta1), beta2 = Float(h.beta2), oneMinusBeta2 = Float(1 - h.beta2)
                for i in 0..<count {
                    var g = drawn[i]
                    if weightDecay != 0 { g = g + Float(weightDecay) * expected[i] }
                    m[i] = m[i].addingProduct(w, g - m[i])                  // lerp weight 0.1 < 0.5
                    v[i] = v[i] * beta2 + oneMinusBeta2 * g * g
                    let denom = v[i].squareRoot() / bc2Sqrt + Float(h.epsilon)
                    expected[i] = expected[i] + step * m[i] / denom
                }
            }
            XCTAssertEqual(state.step, 3)
            XCTAssertEqual(parameters.map(\.bitPattern), expected.map(\.bitPattern), "parameters, weight decay \(weightDecay)")
            XCTAssertEqual(state.firstMoment.map(\.bitPattern), m.map(\.bitPattern), "first moment, weight decay \(weightDecay)")
            XCTAssertEqual(state.secondMoment.map(\.bitPattern), v.map(\.bitPattern), "second moment, weight decay \(weightDecay)")
        }
    }

    func testMismatchedSizesThrow() {
        var parameters: [Float] = [1, 2, 3]
        let gradients: [Float] = [1, 2]
        var state = AdamState<Float>(count: 3)
        XCTAssertThrowsError(try parameters.withUnsafeMutableBufferPointer { p in
            try gradients.withUnsafeBufferPointer { g in try state.step(parameters: p, gradients: g) }
        })
        let full: [Float] = [1, 2, 3]
        XCTAssertThrowsError(try parameters.withUnsafeMutableBufferPointer { p in
            try full.withUnsafeBufferPointer { g in try state.step(parameters: p, gradients: g, ranges: [2..<4]) }
        })
        XCTAssertEqual(state.step, 0)
        XCTAssertEqual(parameters, [1, 2, 3])
    }
}
