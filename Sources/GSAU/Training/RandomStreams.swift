/// The trainer's independent random streams (docs/MODEL.md §6.2), each split from the seed's root
/// generator in the order of `order`, which is also their order in the training-state file.
struct RandomStreams {
    var initialization: RandomGenerator
    /// Shuffles the graph stream.
    var graph: RandomGenerator
    /// Shuffles the sequential stream at every pass.
    var sequence: RandomGenerator
    var dropout: RandomGenerator
    /// Draws the u–i uniformity pairing.
    var derangement: RandomGenerator
    /// BPR negatives (LightGCN) or cloze masks (BERT4Rec): no variant needs both.
    var sampling: RandomGenerator

    /// Every stream, in split order (the one list of them).
    static let order: [WritableKeyPath<RandomStreams, RandomGenerator>] =
        [\.initialization, \.graph, \.sequence, \.dropout, \.derangement, \.sampling]

    /// The streams of a run seeded with `seed`.
    init(seed: UInt64) {
        var root = RandomGenerator(seed: seed)
        let placeholder = RandomGenerator(seed: 0)
        (initialization, graph, sequence, dropout, derangement, sampling) =
            (placeholder, placeholder, placeholder, placeholder, placeholder, placeholder)
        for stream in Self.order { self[keyPath: stream] = root.split() }
    }

    /// The streams' states, in `order`.
    var states: [RandomGenerator.State] { Self.order.map { self[keyPath: $0].state } }

    /// Streams continuing from `states` (one per stream, in `order`); nil for another count.
    init?(states: [RandomGenerator.State]) {
        guard states.count == Self.order.count else { return nil }
        self.init(seed: 0)
        for (stream, state) in zip(Self.order, states) { self[keyPath: stream] = RandomGenerator(state: state) }
    }
}
