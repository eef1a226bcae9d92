import GSAU

// gsau-bench kernels, the optimiser: one Adam step over GSAU(rec)'s Beauty parameter count, as the
// trainer runs it (the update and the clearing of the gradients in one sweep).

/// adam_<parameter count>.
func benchAdam(_ bench: KernelBench, _ step: BeautyStep, rng: inout RandomGenerator) {
    bench.header("Adam over GSAU(rec)'s Beauty parameter count")
    let n = step.parameterCount
    let parameters = Floats(n, std: 0.05, rng: &rng), gradients = Floats(n, std: 0.001, rng: &rng)
    let m = Floats(n), v = Floats(n)
    var t = 0
    let hyper = AdamHyperparameters()
    bench.measure("adam_\(n)", "\(n) params", flops: 12 * Double(n), bytes: 32 * Double(n),
                  model: "p, g, m, v r; p, m, v, g w: 32 B/param") {
        t += 1
        adamUpdateClearingGradients(parameters: parameters.p, gradients: gradients.p, firstMoment: m.p, secondMoment: v.p,
                                    count: n, step: t, hyperparameters: hyper)
    }
}
