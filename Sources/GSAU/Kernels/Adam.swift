import RealModule

/// Adam hyper-parameters, PyTorch's `torch.optim.Adam` defaults except `lr` (the reference's 1e-3).
public struct AdamHyperparameters: Sendable, Equatable {
    public var learningRate: Double
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
    /// L2 penalty added to the gradient (`g + weightDecay · p`) as torch's Adam does (not AdamW).
    public var weightDecay: Double

    public init(learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999,
                epsilon: Double = 1e-8, weightDecay: Double = 0) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }
}

/// One Adam update of `count` contiguous entries, at (1-based) step `step`, in place.
///
/// Follows torch's single-tensor CPU Adam (`torch/optim/adam.py`, `_single_tensor_adam`, the path
/// taken for CPU tensors) operation by operation, in `T` arithmetic with the Python scalars
/// computed in Double and rounded to `T` where torch passes them to a kernel:
///
///     g  = g + wd·p                          (only when wd ≠ 0; grad.add(param, alpha=wd))
///     m  = m + (1−β1)·(g − m)                (exp_avg.lerp_(grad, 1−β1), fused as torch's vector kernel)
///     v  = v·β2 + ((1−β2)·g)·g               (exp_avg_sq.mul_(β2).addcmul_(grad, grad, value=1−β2))
///     bc1 = 1 − β1^t,  bc2 = 1 − β2^t        (Double)
///     denom = sqrt(v) / sqrt(bc2) + eps      ((exp_avg_sq.sqrt() / bc2_sqrt).add_(eps))
///     p  = p + (−lr/bc1 · m) / denom         (param.addcdiv_(exp_avg, denom, value=−lr/bc1))
///
/// Mathematically this is `m ← β1 m + (1−β1) g`, `v ← β2 v + (1−β2) g²`, `p −= lr/bc1 · m / denom`.
/// A zero gradient at step 1 leaves the parameter bit-identical. No allocation.
public func adamUpdate<T: GSAUScalar>(parameters p: UnsafeMutablePointer<T>, gradients g: UnsafePointer<T>,
                                      firstMoment m: UnsafeMutablePointer<T>,
                                      secondMoment v: UnsafeMutablePointer<T>,
                                      count: Int, step t: Int, hyperparameters h: AdamHyperparameters) {
    adamSweep(parameters: p, gradients: UnsafeMutablePointer(mutating: g), clearingGradients: false,
              firstMoment: m, secondMoment: v, count: count, step: t, hyperparameters: h)
}

/// `adamUpdate`, and each gradient entry set to zero once it is read: one sweep over parameters,
/// moments and gradients instead of the update plus a separate zeroing pass before the next
/// step's backward (which accumulates into a zeroed buffer). The updated values are the same bits.
public func adamUpdateClearingGradients<T: GSAUScalar>(parameters p: UnsafeMutablePointer<T>,
                                                       gradients g: UnsafeMutablePointer<T>,
                                                       firstMoment m: UnsafeMutablePointer<T>,
                                                       secondMoment v: UnsafeMutablePointer<T>,
                                                       count: Int, step t: Int, hyperparameters h: AdamHyperparameters) {
    adamSweep(parameters: p, gradients: g, clearingGradients: true, firstMoment: m, secondMoment: v,
              count: count, step: t, hyperparameters: h)
}

/// The one Adam sweep behind `adamUpdate` and `adamUpdateClearingGradients` (`g` is written only
/// when `clear` is true): the step's constants, then `AdamStep.run` over chunks of the buffer on
/// the cores.
@inline(__always)
func adamSweep<T: GSAUScalar>(parameters p: UnsafeMutablePointer<T>, gradients g: UnsafeMutablePointer<T>,
                              clearingGradients clear: Bool,
                              firstMoment m: UnsafeMutablePointer<T>,
                              secondMoment v: UnsafeMutablePointer<T>,
                              count: Int, step t: Int, hyperparameters h: AdamHyperparameters) {
    let biasCorrection1 = 1 - Double.pow(h.beta1, Double(t))      // Python float ** float (libm pow)
    let biasCorrection2 = 1 - Double.pow(h.beta2, Double(t))
    // torch's vector lerp: fma(w, end − start, start) for w < 0.5, else fma(w − 1, end − start, end).
    let lerpWeight = T(1 - h.beta1)
    let smallWeight = lerpWeight < 0.5
    let step = AdamStep(p: p, g: g, m: m, v: v, clear: clear,
                        negativeStepSize: T(-(h.learningRate / biasCorrection1)),
                        biasCorrection2Sqrt: T(biasCorrection2.squareRoot()),
                        smallWeight: smallWeight, lerpCoefficient: smallWeight ? lerpWeight : lerpWeight - 1,
                        beta2: T(h.beta2), oneMinusBeta2: T(1 - h.beta2), epsilon: T(h.epsilon),
                        weightDecay: T(h.weightDecay), decays: h.weightDecay != 0)
    parallelChunks(count, minimumChunk: 65_536) { step.run($0) }
}

/// One Adam step's operands and constants, and its loop over a range of entries.
///
/// The loop vectorises (8 floats per AVX2 instruction): the square root is taken of `max(v, 0)`,
/// which equals `v` (v is a sum of non-negative terms; a NaN stays NaN) and lets LLVM use the
/// vector square root instead of libm's scalar `sqrtf` with its errno check; `run` is a function
/// of its own (inside the worker closure the square root stayed an out-of-line call), working on
/// locals. Every operation is IEEE-exact per element, so the results equal the scalar loop's bit
/// for bit (the loop was scalar before; checked by the golden record and `AdamTests`).
struct AdamStep<T: GSAUScalar>: @unchecked Sendable {
    let p: UnsafeMutablePointer<T>, g: UnsafeMutablePointer<T>, m: UnsafeMutablePointer<T>, v: UnsafeMutablePointer<T>
    let clear: Bool
    let negativeStepSize: T, biasCorrection2Sqrt: T
    let smallWeight: Bool, lerpCoefficient: T
    let beta2: T, oneMinusBeta2: T, epsilon: T
    let weightDecay: T, decays: Bool

    @inline(never)
    func run(_ range: Range<Int>) {
        // Everything in locals (stores through the pointers could otherwise alias `self`'s fields,
        // which would have to be reloaded every iteration), and two loops rather than a test per
        // entry (a conditional store keeps LLVM from vectorising).
        let p = self.p, g = self.g, m = self.m, v = self.v
        let negativeStepSize = self.negativeStepSize, biasCorrection2Sqrt = self.biasCorrection2Sqrt
        let smallWeight = self.smallWeight, lerpCoefficient = self.lerpCoefficient
        let beta2 = self.beta2, oneMinusBeta2 = self.oneMinusBeta2, epsilon = self.epsilon
        let weightDecay = self.weightDecay, decays = self.decays
        @inline(__always)
        func update(_ i: Int) {
            var grad = g[i]
            if decays { grad = grad + weightDecay * p[i] }
            let mi = (smallWeight ? m[i] : grad).addingProduct(lerpCoefficient, grad - m[i])
            let vi = v[i] * beta2 + oneMinusBeta2 * grad * grad
            m[i] = mi
            v[i] = vi
            let denom = Swift.max(vi, 0).squareRoot() / biasCorrection2Sqrt + epsilon
            p[i] = p[i] + negativeStepSize * mi / denom
        }
        if clear {
            for i in range { update(i); g[i] = 0 }
        } else {
            for i in range { update(i) }
        }
    }
}

/// Adam state for one flat parameter buffer: first and second moments and the step count.
///
/// torch keeps a step counter per parameter tensor and skips tensors whose `.grad` is `None`.
/// Here all views of the flat buffer share one counter; `step(..., ranges:)` updates only the
/// given views (those that have a gradient this step). That equals torch as long as the set of
/// views with a gradient is the same at every step (true for every GSAU variant: e.g. the user
/// table of a sequential-only model never gets a gradient).
public struct AdamState<T: GSAUScalar> {
    public var firstMoment: [T]
    public var secondMoment: [T]
    /// Number of steps taken so far (the next step is `step + 1`, 1-based as torch).
    public var step: Int
    public var hyperparameters: AdamHyperparameters

    public var count: Int { firstMoment.count }

    public init(count: Int, hyperparameters: AdamHyperparameters = AdamHyperparameters()) {
        firstMoment = [T](repeating: 0, count: count)
        secondMoment = [T](repeating: 0, count: count)
        step = 0
        self.hyperparameters = hyperparameters
    }

    /// One step over the whole buffer.
    public mutating func step(parameters: UnsafeMutableBufferPointer<T>,
                              gradients: UnsafeBufferPointer<T>) throws {
        try step(parameters: parameters, gradients: gradients, ranges: CollectionOfOne(0..<count))
    }

    /// One step over the whole buffer that also sets every gradient to zero (see
    /// `adamUpdateClearingGradients`): the trainer's gradient buffer is then ready for the next
    /// step's backward without a separate zeroing pass.
    public mutating func stepClearingGradients(parameters: UnsafeMutableBufferPointer<T>,
                                               gradients: UnsafeMutableBufferPointer<T>) throws {
        guard parameters.count == count, gradients.count == count else {
            throw GSAUError.invalidArgument(
                "adam: state has \(count) entries, parameters \(parameters.count), gradients \(gradients.count)")
        }
        step += 1
        guard let p = parameters.baseAddress, let g = gradients.baseAddress else { return }
        let t = step, h = hyperparameters, n = count
        firstMoment.withUnsafeMutableBufferPointer { m in
            secondMoment.withUnsafeMutableBufferPointer { v in
                adamUpdateClearingGradients(parameters: p, gradients: g, firstMoment: m.baseAddress!,
                                            secondMoment: v.baseAddress!, count: n, step: t, hyperparameters: h)
            }
        }
    }

    /// One step over the given sub-ranges of the buffer only (the others are left untouched, as
    /// torch leaves parameters without a gradient).
    public mutating func step<Ranges: Collection>(parameters: UnsafeMutableBufferPointer<T>,
                                                  gradients: UnsafeBufferPointer<T>,
                                                  ranges: Ranges) throws where Ranges.Element == Range<Int> {
        guard parameters.count == count, gradients.count == count else {
            throw GSAUError.invalidArgument(
                "adam: state has \(count) entries, parameters \(parameters.count), gradients \(gradients.count)")
        }
        for range in ranges where range.lowerBound < 0 || range.upperBound > count {
            throw GSAUError.invalidArgument("adam: range \(range) is outside 0..<\(count)")
        }
        guard let p = parameters.baseAddress, let g = gradients.baseAddress else { step += 1; return }
        step += 1
        let t = step, h = hyperparameters
        firstMoment.withUnsafeMutableBufferPointer { m in
            secondMoment.withUnsafeMutableBufferPointer { v in
                for range in ranges where !range.isEmpty {
                    let o = range.lowerBound
                    adamUpdate(parameters: p + o, gradients: g + o,
                               firstMoment: m.baseAddress! + o, secondMoment: v.baseAddress! + o,
                               count: range.count, step: t, hyperparameters: h)
                }
            }
        }
    }
}
