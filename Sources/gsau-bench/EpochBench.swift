import GSAU
import Glibc

// gsau-bench epoch: trains gsau-rec on data/beauty.txt for N epochs (the paper's configuration, docs/MODEL.md §5) and
// reports the median training seconds per epoch over epochs 2..N, the achieved GFLOP/s from a FLOP
// count of the work done (printed next to it), the machine's sgemm GFLOP/s measured in the same run,
// the BLAS core and threads, and the peak resident memory. Writes epoch-beauty-gsau-rec.json.
//
// FLOP count per epoch (multiply-add = 2 FLOPs; forward + backward = 3× forward):
//   CE head: steps · 3 · 2·B·V·d                       (logits, dŝ, dE)
//   transformer over the real tokens T (no padding):   3 · layers · T · 2·(4d² + 2·d·inner)
//   attention scores and context:                      3 · layers · Σ_seq 2·2·d·len(len+1)/2
//   LightGCN: steps · 2 · 2·nnz·d                      (1 full propagation forward, 1 backward;
//                                                       the batch rows' share is not counted)
// Elementwise work (LayerNorm, GELU, softmax, Adam) is not counted.

func epochBenchmark(epochs: Int, outDir: String, dataDir: String) throws {
    let dataset = try Dataset.load(path: "\(dataDir)/beauty.txt")
    var config = ModelConfig(variant: .gsauRec)
    config.seed = 2020
    var options = TrainingOptions()
    options.epochs = max(2, epochs)
    options.patience = Int.max / 2
    let trainer = try Trainer(config: config, dataset: dataset, options: options)

    var seconds: [Double] = []
    let (_, result) = try trainer.train { event in
        if case .epochEnd(let e) = event {
            seconds.append(e.trainSeconds)
            print("epoch \(e.epoch): \(fixed(e.trainSeconds, 2)) s train + \(fixed(e.evaluationSeconds, 2)) s validation")
            fflush(stdout)
        }
        return true
    }
    let steady = seconds.count > 1 ? Array(seconds.dropFirst()) : seconds
    let perEpoch = median(steady)
    let flops = epochFlops(dataset: dataset, config: config, steps: result.stepsPerEpoch)
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let peakMiB = Double(usage.ru_maxrss) / 1024
    print("median seconds per epoch (epochs 2..\(seconds.count)): \(fixed(perEpoch, 2)); model FLOPs per epoch \(fixed(flops / 1e12, 3)) TFLOP -> \(fixed(flops / perEpoch / 1e9, 1)) GFLOP/s; peak RSS \(fixed(peakMiB, 0)) MiB")

    var json = JSONObject()
    json.set("benchmark", "gsau-rec training epochs on Beauty (301 steps of 512 graph pairs + 512 sequences)")
    json.set("epochs", seconds.count)
    json.set("seconds_per_epoch", seconds)
    json.set("seconds_per_epoch_median", perEpoch)
    json.set("flops_per_epoch", flops)
    json.set("achieved_gflops", flops / perEpoch / 1e9)
    json.set("peak_rss_mib", peakMiB)
    machineFields(&json)
    writeResult(json, to: "\(outDir)/epoch-beauty-gsau-rec.json")
}

/// The FLOP count of one epoch (see the file comment), from the dataset's prefix lengths.
private func epochFlops(dataset: Dataset, config: ModelConfig, steps: Int) -> Double {
    let d = Double(config.embeddingSize), inner = Double(config.innerSize), layers = Double(config.transformerLayers)
    let b = Double(config.batchSize), v = Double(dataset.items.count), maxLen = config.maxSequenceLength
    // Mean tokens and attention pairs per sequential example.
    var tokens = 0.0, pairs = 0.0, examples = 0.0
    for u in 1..<Int32(dataset.users.count) {
        let n = dataset.length(ofUser: u)
        guard n >= 4 else { continue }
        for k in 1...(n - 3) {
            let len = Double(min(k, maxLen))
            tokens += len; pairs += len * (len + 1) / 2; examples += 1
        }
    }
    let sequencesPerEpoch = Double(steps) * b
    let tokensPerEpoch = tokens / examples * sequencesPerEpoch
    let pairsPerEpoch = pairs / examples * sequencesPerEpoch
    let ce = Double(steps) * 3 * 2 * b * v * d
    let dense = 3 * layers * tokensPerEpoch * 2 * (4 * d * d + 2 * d * inner)
    let attention = 3 * layers * pairsPerEpoch * 2 * 2 * d
    let nnz = 2 * Double(dataset.trainInteractionCount)   // upper bound: duplicates are one edge
    let graph = Double(steps) * 2 * 2 * nnz * d
    return ce + dense + attention + graph
}
