// Checks of query arguments (every id before any work) and raw id <-> dense id conversion.
extension QueryEngine {
    func checkCount(_ count: Int) throws {
        guard count > 0 else { throw GSAUError.invalidArgument("count must be positive (got \(count))") }
    }

    func checkSequenceQueries() throws {
        guard !predictsWithGraph else {
            throw GSAUError.invalidArgument(
                "\(config.variant.rawValue) predicts with the graph encoder, which scores known users only; "
                + "sequence queries need a sequential model (e.g. gsau-rec)")
        }
    }

    package func checkUser(_ u: Int32) throws {
        guard u >= 1 && Int(u) < dataset.users.count else {
            throw GSAUError.unknownID("user index \(u) (model has users 1..<\(dataset.users.count))")
        }
        guard predictsWithGraph || dataset.length(ofUser: u) > 0 else {
            throw GSAUError.invalidArgument("user index \(u) has no items")
        }
    }

    func checkItem(_ i: Int32) throws {
        guard i >= 1 && Int(i) < dataset.items.count else {
            throw GSAUError.unknownID("item index \(i) (model has items 1..<\(dataset.items.count))")
        }
    }

    func check(_ filter: ItemFilter) throws {
        for i in filter.allowed ?? [] { try checkItem(i) }
        for i in filter.excluded { try checkItem(i) }
    }

    func userIndex(_ user: String) throws -> Int32 {
        guard let u = dataset.users.id(of: user) else { throw GSAUError.unknownID("user '\(user)'") }
        try checkUser(u)
        return u
    }

    func itemIndex(_ item: String) throws -> Int32 {
        guard let i = dataset.items.id(of: item) else { throw GSAUError.unknownID("item '\(item)'") }
        return i
    }

    func itemFilter(filterSeen: Bool, allowed: [String]?, excluded: [String]?) throws -> ItemFilter {
        ItemFilter(excludeSeen: filterSeen, allowed: try allowed?.map { try itemIndex($0) },
                   excluded: try (excluded ?? []).map { try itemIndex($0) })
    }

    func tokens(_ top: [(id: Int32, score: Float)]) -> [(item: String, score: Float)] {
        top.map { (item: dataset.items.tokens[Int($0.id)], score: $0.score) }
    }

    func write(_ top: [(id: Int32, score: Float)], ids: UnsafeMutablePointer<Int32>,
                       scores: UnsafeMutablePointer<Float>) -> Int {
        for (k, entry) in top.enumerated() { ids[k] = entry.id; scores[k] = entry.score }
        return top.count
    }
}
