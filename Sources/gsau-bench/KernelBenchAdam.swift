import GSAU

// gsau-bench kernels, the optimiser: one Adam update over GSAU(rec)'s Beauty parameter count.

/// adam_<parameter count>.
func benchAdam(_ bench: KernelBench, _ step: BeautyStep, rng: inout RandomGenerator) {
    bench.header("Adam over GSAU(rec)'s Beauty parameter count")
    let n = step.parameterCount
    let parameters = Floats(n, std: 0.05, rng: &rng), gradients = Floats(n, std: 0.001, rng: &rng)
    let m = Floats(n), v = Floats(n)
    var t = 0
    let hyper = AdamHyperparameters()
    bench.measure("adam_\(n)", "\(n) params", flops: 12 * Double(n), bytes: 28 * Double(n),
                  model: "p, g, m, v r; p, m, v w: 28 B/param") {
        t += 1
        adamUpdate(parameters: parameters.p, gradients: gradients.p, firstMoment: m.p, secondMoment: v.p,
                   count: n, step: t, hyperparameters: hyper)
    }
}
