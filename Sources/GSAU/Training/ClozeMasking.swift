/// BERT4Rec's training transform, RecBole's `MaskItemSequence` (`mask_itemseq`, docs/MODEL.md §3.7),
/// applied to a batch of prefix inputs (the rows' next items are not used):
/// - with probability `finetuneRatio`, the whole batch masks only each input's last item;
/// - otherwise each item of each input is masked independently with probability `ratio`.
/// Masked items are replaced by the mask token. Of one input's masked positions only the last
/// `maxMasked` enter the loss (the others stay masked in the input), and a mask at position 0 never
/// does (RecBole's zero-padded index list treats index 0 as padding). The batch's targets become
/// the original items at the kept positions and `readTokens` their global token indices, in input
/// order.
func applyClozeMask(to batch: inout SequenceBatch, maskToken: Int32, ratio: Double, finetuneRatio: Double,
                    maxMasked: Int, rng: inout RandomGenerator) {
    batch.targets.removeAll(keepingCapacity: true)
    batch.readTokens.removeAll(keepingCapacity: true)
    let lastOnly = rng.nextUniform() < finetuneRatio
    var masked: [(token: Int, item: Int32)] = []
    for b in 0..<batch.inputs.count {
        let start = Int(batch.inputs.offsets[b]), end = Int(batch.inputs.offsets[b + 1])
        masked.removeAll(keepingCapacity: true)
        if lastOnly {
            masked.append((end - 1, batch.inputs.items[end - 1]))
        } else {
            for t in start..<end where rng.nextUniform() < ratio { masked.append((t, batch.inputs.items[t])) }
        }
        for m in masked { batch.inputs.replaceItem(atToken: m.token, with: maskToken) }
        for m in masked.suffix(maxMasked) where m.token > start {
            batch.readTokens.append(Int32(m.token))
            batch.targets.append(m.item)
        }
    }
}
