import ArgumentParser
import GSAU

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Load an interaction file and print its statistics and split sizes.")

    @OptionGroup var data: DataOptions

    @OptionGroup var memory: MemoryOptions

    func run() throws {
        try memory.apply()
        let (ds, seconds) = try data.load()
        let density = Double(ds.interactionCount) / (Double(ds.userCount) * Double(ds.itemCount))
        print("file         \(ds.path) (\(ds.format.rawValue))")
        print("users        \(ds.userCount)")
        print("items        \(ds.itemCount)")
        print("interactions \(ds.interactionCount)")
        print("avg/user     \(formatted(Double(ds.interactionCount) / Double(ds.userCount), 6))")
        print("avg/item     \(formatted(Double(ds.interactionCount) / Double(ds.itemCount), 6))")
        print("sparsity     \(formatted(100 * (1 - density), 5))%")
        print("split        train \(ds.trainInteractionCount) interactions (\(ds.sequentialTrainExampleCount) sequential examples), validation \(ds.evaluationUsers(.validation).count), test \(ds.evaluationUsers(.test).count) (hold-out \(ds.holdOut.rawValue))")
        print("loaded in    \(formatted(seconds * 1000, 1)) ms")
    }
}

func formatted(_ v: Double, _ places: Int) -> String {
    var scale = 1.0
    for _ in 0..<places { scale *= 10 }
    let r = (v * scale).rounded() / scale
    var s = "\(r)"
    if let dot = s.firstIndex(of: ".") {
        let decimals = s.distance(from: dot, to: s.endIndex) - 1
        if decimals < places { s += String(repeating: "0", count: places - decimals) }
    } else if places > 0 { s += "." + String(repeating: "0", count: places) }
    return s
}
