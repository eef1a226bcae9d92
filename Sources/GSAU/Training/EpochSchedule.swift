/// Which batches one epoch's steps take (docs/MODEL.md §6.1; one-sided variants:
/// §8.1): with both encoders, step s takes graph batch s of this epoch's shuffle and
/// sequential batch s mod S, the sequential stream starting a fresh shuffle at s = 0, S, 2S, ...;
/// the epoch has G steps (G = graph batches per pass). Graph-only variants take G steps over the
/// graph stream; sequential-only variants S steps over the sequential stream.
struct EpochSchedule: Equatable {
    let graphBatches: Int?        // nil: no graph side
    let sequentialBatches: Int?   // nil: no sequential side

    var steps: Int { graphBatches ?? sequentialBatches ?? 0 }

    /// Graph batch index of step s (nil without a graph side).
    func graphBatch(_ step: Int) -> Int? { graphBatches == nil ? nil : step }

    /// Sequential batch index of step s within its pass, and whether a new pass (shuffle) starts.
    func sequentialBatch(_ step: Int) -> (index: Int, newPass: Bool)? {
        guard let s = sequentialBatches, s > 0 else { return nil }
        let index = step % s
        return (index, index == 0)
    }
}
