// Inverted dropout (nn.Dropout in training mode): each element is kept with probability 1 − p and
// then scaled by 1/(1 − p), or zeroed with probability p. The mask is stored as a per-element
// scale (0 or 1/(1 − p)) so the backward pass is a single multiply.
//
// Shapes: x, y, mask: [count] (elementwise; any layout).
// p = 0 is an exact identity (mask = 1, y = x bit for bit) and draws no random numbers; p ≥ 1 zeroes
// everything (PyTorch's behaviour for p = 1).

/// Fills `mask[count]` with dropout scales drawn from `rng`: 0 with probability p, else 1/(1 − p).
/// Each 64-bit draw gives two 32-bit uniforms (compared against p·2³²), so it draws ⌈count/2⌉
/// numbers when 0 < p < 1 and none otherwise (deterministic per seed).
public func dropoutFillMask<T: GSAUScalar>(mask: UnsafeMutablePointer<T>, count: Int, p: Double,
                                    rng: inout RandomGenerator) {
    if p <= 0 { mask.update(repeating: 1, count: count); return }
    if p >= 1 { mask.update(repeating: 0, count: count); return }
    let keepScale = T(1 / (1 - p))
    let threshold = UInt64(p * 4_294_967_296.0)
    var i = 0
    while i + 1 < count {
        let r = rng.next()
        mask[i] = (r & 0xFFFF_FFFF) < threshold ? 0 : keepScale
        mask[i + 1] = (r >> 32) < threshold ? 0 : keepScale
        i += 2
    }
    if i < count { mask[i] = (rng.next() & 0xFFFF_FFFF) < threshold ? 0 : keepScale }
}

/// y = x ⊙ mask with a freshly drawn mask, which is kept for the backward pass. `y` may alias `x`.
/// With p = 0, y is an exact copy of x.
public func dropoutForward<T: GSAUScalar>(output y: UnsafeMutablePointer<T>,
                                   mask: UnsafeMutablePointer<T>,
                                   input x: UnsafePointer<T>, count: Int, p: Double,
                                   rng: inout RandomGenerator) {
    dropoutFillMask(mask: mask, count: count, p: p, rng: &rng)
    if p <= 0 {
        if UnsafePointer(y) != x { y.update(from: x, count: count) }
        return
    }
    let job = UnsafeSendable((y, UnsafePointer(mask), x))
    parallelChunks(count) { range in
        let (y, mask, x) = job.pointer
        for i in range { y[i] = x[i] * mask[i] }
    }
}

/// Backward pass; ACCUMULATES dx += dy ⊙ mask.
public func dropoutBackward<T: GSAUScalar>(dInput dx: UnsafeMutablePointer<T>,
                                    dOutput dy: UnsafePointer<T>,
                                    mask: UnsafePointer<T>, count: Int) {
    for i in 0..<count { dx[i] += dy[i] * mask[i] }
}

/// Backward pass that OVERWRITES dx (the gradient of a residual branch): dx = dy ⊙ mask when the
/// forward pass applied dropout, else dx = dy (its mask is all ones; the copy skips the multiply).
public func dropoutBackward<T: GSAUScalar>(overwriting dx: UnsafeMutablePointer<T>,
                                           dOutput dy: UnsafePointer<T>,
                                           mask: UnsafePointer<T>, count: Int, applied: Bool) {
    if applied {
        for i in 0..<count { dx[i] = dy[i] * mask[i] }
    } else {
        dx.update(from: dy, count: count)
    }
}
