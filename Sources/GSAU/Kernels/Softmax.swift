// Softmax over one row, with the maximum subtracted: the engine's one softmax, used by the
// attention probabilities (Attention.swift) and the cross-entropy gradient (CrossEntropy.swift).
//
// Shapes: x [count] (one contiguous row, count ≥ 1), overwritten in place.
//
//   m      = max_j x[j]
//   sum    = Σ_j exp(x[j] − m)
//   x[j]  ← exp(x[j] − m) · (scale / sum)
//
// `scale` folds a constant factor into the normalisation (cross-entropy's gradScale / rows; 1 for a
// plain softmax). The caller gets m and sum back, so log Σ_j exp(x[j]) = log(sum) + m needs no
// second pass. Float uses the vectorised polynomial exp (`bulkExp`, Core/BulkMath.swift), the max
// and the sum run over eight lanes (`bulkMax`, `bulkSum`: a fixed order, deterministic); Double
// keeps libm's exp (the reference path). Working on a single pointer lets every loop vectorise.

/// Softmax of x[0 ..< count] in place, multiplied by `scale`; returns the row maximum and
/// Σ exp(x − max) (see above).
@inline(__always)
func softmaxInPlace<T: GSAUScalar>(_ x: UnsafeMutablePointer<T>, count n: Int, scale: T = 1) -> (max: T, sum: T) {
    let maximum = bulkMax(x, n)
    for j in 0..<n { x[j] = T.bulkExp(x[j] - maximum) }
    let sum = bulkSum(x, n)
    let factor = scale / sum
    for j in 0..<n { x[j] *= factor }
    return (maximum, sum)
}
