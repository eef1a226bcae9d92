import RealModule

// GELU, exact (erf) form as nn.GELU() / RecBole's `gelu`: y = 0.5 · z · (1 + erf(z / √2)).
//
// Shapes: z, y: [count] (elementwise; any layout).

/// Forward pass. `y` may alias `z`.
public func geluForward<T: GSAUScalar>(output y: UnsafeMutablePointer<T>,
                                input z: UnsafePointer<T>, count: Int) {
    let invSqrt2 = 1 / T.sqrt(2)
    let half: T = 0.5
    let job = UnsafeSendable((y, z))
    parallelChunks(count) { range in
        let (y, z) = job.pointer
        for i in range {
            let v = z[i]
            y[i] = half * v * (1 + T.bulkErf(v * invSqrt2))
        }
    }
}

/// Backward pass; ACCUMULATES dz += dy · (Φ(z) + z · φ(z)), with Φ the standard normal CDF
/// (= 0.5 · (1 + erf(z/√2))) and φ its density exp(−z²/2) / √(2π). Needs the forward INPUT z.
public func geluBackward<T: GSAUScalar>(dInput dz: UnsafeMutablePointer<T>,
                                 dOutput dy: UnsafePointer<T>,
                                 input z: UnsafePointer<T>, count: Int) {
    let invSqrt2 = 1 / T.sqrt(2)
    let invSqrt2Pi = 1 / T.sqrt(2 * T.pi)
    let half: T = 0.5
    let job = UnsafeSendable((dz, dy, z))
    parallelChunks(count) { range in
        let (dz, dy, z) = job.pointer
        for i in range {
            let v = z[i]
            let cdf = half * (1 + T.bulkErf(v * invSqrt2))
            let pdf = T.bulkExp(-half * v * v) * invSqrt2Pi
            dz[i] += dy[i] * (cdf + v * pdf)
        }
    }
}
