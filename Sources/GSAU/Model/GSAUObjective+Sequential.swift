// The sequential side of the objective (docs/MODEL.md §4.4, §4.5).
extension GSAUObjective {
    func sequentialLoss(_ encoder: SequenceEncoder<T>, _ batch: SequenceBatch, parameters p: UnsafePointer<T>,
                                gradients g: UnsafeMutablePointer<T>, gamma: T, derangement: [Int32]?,
                                training: Bool, rng: inout RandomGenerator, terms: inout LossTerms,
                                main: inout T, uniform: inout T) throws {
        let b = batch.count, d = config.embeddingSize, items = layout.itemCount
        let table = p + layout.itemTable, tableGradient = g + layout.itemTable
        let h = self.h.reserve(b * d), sHat = self.sHat.reserve(b * d), sNorms = self.sNorms.reserve(b)
        let tRaw = self.tRaw.reserve(b * d), tHat = self.tHat.reserve(b * d), tNorms = self.tNorms.reserve(b)
        let dSHat = self.dSHat.reserve(b * d), dTHat = self.dTHat.reserve(b * d)
        dSHat.update(repeating: 0, count: b * d); dTHat.update(repeating: 0, count: b * d)
        let dH = self.dH.reserve(b * d), dTRaw = self.dTRaw.reserve(b * d)
        dH.update(repeating: 0, count: b * d); dTRaw.update(repeating: 0, count: b * d)

        encoder.forward(parameters: p, batch: batch.inputs, readTokens: batch.readTokens, training: training, rng: &rng, output: h)
        l2NormalizeForward(output: sHat, norms: sNorms, input: h, rows: b, channels: d)
        batch.targets.withUnsafeBufferPointer { targets in
            embeddingForward(output: tRaw, ids: targets.baseAddress!, table: table, count: b, dim: d)
        }
        l2NormalizeForward(output: tHat, norms: tNorms, input: tRaw, rows: b, channels: d)

        switch config.sequentialLoss {
        case .normalizedCrossEntropy, .crossEntropy:
            // GSAU(rec) queries with ŝ (gradient into dŝ), stock SASRec with the raw h (into dh).
            let normalized = config.sequentialLoss == .normalizedCrossEntropy
            let query = normalized ? UnsafePointer(sHat) : UnsafePointer(h), dQuery = normalized ? dSHat : dH
            // The logit scale s (§4.9; 1 unless opted in) is the gemms' alpha: Z = s·q·Eᵀ.
            let scale = T(config.logitScale)
            if config.sampledNegatives > 0 {
                main = try sampledCrossEntropy(batch, query: query, dQuery: dQuery, logitScale: scale, parameters: p, gradients: g)
                terms[.sequentialCrossEntropy] = Double(main)
                break
            }
            let logits = self.logits.reserve(b * items)
            matmul(query, table, transB: true, into: logits, m: b, n: items, k: d, alpha: scale)   // [B, items]
            if let bias = layout.outputBias { addRowVector(p + bias, to: logits, rows: b, columns: items) }
            let ce = batch.targets.withUnsafeBufferPointer { targets in
                crossEntropyForwardBackward(logits: logits, targets: targets.baseAddress!, rows: b, classes: items,
                                            dLogits: logits, rowLoss: rowLoss.reserve(b))
            }
            if let bias = layout.outputBias { sumRows(of: logits, rows: b, columns: items, into: g + bias) }   // dbias += Σ_rows dlogits
            matmul(logits, table, into: dQuery, m: b, n: d, k: items, alpha: scale, beta: 1)        // dq += s·dlogits · E
            matmul(logits, transA: true, query, into: tableGradient, m: items, n: d, k: b, alpha: scale, beta: 1)  // dE += s·dlogitsᵀ · q
            terms[.sequentialCrossEntropy] = Double(ce)
            main = ce
        case .alignment:
            let a = try alignmentForward(x: sHat, y: tHat, rows: b, width: d)
            alignmentBackward(x: sHat, y: tHat, rows: b, width: d, upstream: 1, dx: dSHat, dy: dTHat)
            terms[.sequentialAlign] = Double(a)
            main = a
        }

        if config.sequentialUniformity && b >= 2 {       // (BERT4Rec batches can keep fewer than 2 masked positions)
            uniform = try sequentialUniformity(batch: b, gamma: gamma, derangement: derangement, rng: &rng, terms: &terms)
        }

        // Back through the normalisations into h and the target rows of the item table.
        l2NormalizeBackward(dInput: dH, dOutput: dSHat, output: sHat, norms: sNorms, rows: b, channels: d)
        l2NormalizeBackward(dInput: dTRaw, dOutput: dTHat, output: tHat, norms: tNorms, rows: b, channels: d)
        batch.targets.withUnsafeBufferPointer { targets in
            embeddingBackward(dTable: tableGradient, dOutput: dTRaw, ids: targets.baseAddress!, count: b, dim: d)
        }
        encoder.backward(parameters: p, gradients: g, batch: batch.inputs, dOutput: dH)
    }

    /// The sampled softmax (docs/MODEL.md §4.8, with the logit scale of §4.9) over the batch's K
    /// shared negatives; accumulates into dQuery, the item table's gradient and the output bias's.
    private func sampledCrossEntropy(_ batch: SequenceBatch, query: UnsafePointer<T>, dQuery: UnsafeMutablePointer<T>,
                                     logitScale: T, parameters p: UnsafePointer<T>, gradients g: UnsafeMutablePointer<T>) throws -> T {
        let items = layout.itemCount
        guard batch.negatives.count == config.sampledNegatives, logExpectedCount.count == items else {
            throw GSAUError.invalidArgument("sampled softmax: the batch carries \(batch.negatives.count) negatives, the configuration asks for \(config.sampledNegatives)")
        }
        guard batch.negatives.allSatisfy({ $0 >= 0 && Int($0) < items }) else {
            throw GSAUError.invalidArgument("sampled softmax: a negative is outside the \(items) items")
        }
        let bias = layout.outputBias.map { p + $0 }, dBias = layout.outputBias.map { g + $0 }
        return batch.targets.withUnsafeBufferPointer { targets in
            batch.negatives.withUnsafeBufferPointer { negatives in
                logExpectedCount.withUnsafeBufferPointer { logQ in
                    sampledCrossEntropyForwardBackward(
                        query: query, table: p + layout.itemTable, bias: bias, targets: targets.baseAddress!, rows: batch.count,
                        negatives: negatives.baseAddress!, negativeCount: negatives.count, dim: config.embeddingSize,
                        logExpectedCount: logQ.baseAddress!, logitScale: logitScale,
                        dQuery: dQuery, dTable: g + layout.itemTable, dBias: dBias, workspace: sampledWorkspace)
                }
            }
        }
    }

    /// γ·(unif(ŝ) + unif(t̂) [+ unif(ŝ, t̂[π])]) on the normalised vectors of the last forward
    /// pass; accumulates into dŝ and dt̂ and returns the weighted sum.
    func sequentialUniformity(batch b: Int, gamma: T, derangement: [Int32]?, rng: inout RandomGenerator,
                                      terms: inout LossTerms) throws -> T {
        let d = config.embeddingSize
        let sHat = self.sHat.pointer, tHat = self.tHat.pointer, dSHat = self.dSHat.pointer, dTHat = self.dTHat.pointer
        let workspace = pairWorkspace.reserve(uniformityWorkspaceSize(rows: b))
        let unifSeq = try uniformityForward(x: sHat, rows: b, width: d, workspace: workspace)
        uniformityBackward(x: sHat, rows: b, width: d, workspace: workspace, upstream: gamma, dx: dSHat)
        let unifItem = try uniformityForward(x: tHat, rows: b, width: d, workspace: workspace)
        uniformityBackward(x: tHat, rows: b, width: d, workspace: workspace, upstream: gamma, dx: dTHat)
        terms[.sequentialUniformSequence] = Double(unifSeq)
        terms[.sequentialUniformItem] = Double(unifItem)
        var sum = unifSeq + unifItem
        if config.userItemUniformity {
            guard let pi = derangement ?? rng.randomDerangement(b) else {
                throw GSAUError.invalidArgument("the u-i uniformity term needs a sequential batch of at least 2 rows")
            }
            guard pi.count == b else { throw GSAUError.invalidArgument("derangement has \(pi.count) entries for \(b) rows") }
            let tPermuted = self.tPermuted.reserve(b * d), dTPermuted = self.dTPermuted.reserve(b * d)
            pi.withUnsafeBufferPointer { embeddingForward(output: tPermuted, ids: $0.baseAddress!, table: tHat, count: b, dim: d) }
            dTPermuted.update(repeating: 0, count: b * d)
            let unifUI = try pairedUniformityForward(x: sHat, y: tPermuted, rows: b, width: d, workspace: workspace)
            pairedUniformityBackward(x: sHat, y: tPermuted, rows: b, width: d, workspace: workspace, upstream: gamma,
                                     dx: dSHat, dy: dTPermuted)
            pi.withUnsafeBufferPointer { embeddingBackward(dTable: dTHat, dOutput: dTPermuted, ids: $0.baseAddress!, count: b, dim: d) }
            terms[.sequentialUniformSequenceVsItem] = Double(unifUI)
            sum += unifUI
        }
        return gamma * sum
    }

    /// The sequence vectors h [B, d] of the last step (for tests).
    func lastSequenceOutput(rows: Int) -> [T] { Array(UnsafeBufferPointer(start: h.pointer, count: rows * config.embeddingSize)) }
    /// d(loss)/dh of the last step (for tests).
    func lastSequenceOutputGradient(rows: Int) -> [T] { Array(UnsafeBufferPointer(start: dH.pointer, count: rows * config.embeddingSize)) }
}
