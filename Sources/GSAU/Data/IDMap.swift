/// A bijection between raw ids (tokens of any string form) and dense internal ids.
///
/// Dense id 0 is reserved for padding (`[PAD]`, as RecBole); real ids are 1..<count, numbered in
/// order of first appearance, so results can always be reported in raw ids.
public struct IDMap: Sendable, Equatable {
    public static let paddingToken = "[PAD]"

    /// tokens[id] is the raw id of dense id `id`; tokens[0] is `[PAD]`.
    public private(set) var tokens: [String]
    private var index: [String: Int32]

    public init() {
        tokens = [IDMap.paddingToken]
        index = [:]
    }

    /// Builds a map from raw ids listed in dense-id order (1, 2, ...). Duplicates are rejected.
    public init(tokens raw: [String]) throws {
        self.init()
        for t in raw {
            if index[t] != nil { throw GSAUError.invalidArgument("duplicate id '\(t)' in id map") }
            _ = intern(t)
        }
    }

    /// Number of ids including the padding id 0.
    public var count: Int { tokens.count }

    /// The dense id of a raw id, or nil when unknown.
    public func id(of token: String) -> Int32? { index[token] }

    /// The raw id of a dense id, or nil when out of range (0 gives nil: padding has no raw id).
    public func token(of id: Int32) -> String? {
        id > 0 && Int(id) < tokens.count ? tokens[Int(id)] : nil
    }

    /// Returns the dense id of `token`, adding it when new.
    @discardableResult
    mutating func intern(_ token: String) -> Int32 {
        if let id = index[token] { return id }
        let id = Int32(tokens.count)
        tokens.append(token)
        index[token] = id
        return id
    }
}
