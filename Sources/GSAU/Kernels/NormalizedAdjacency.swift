#if canImport(Glibc)
import Glibc
#endif

/// A sparse matrix in compressed sparse row (CSR) form.
///
/// Row `r` holds the entries `rowOffsets[r] ..< rowOffsets[r + 1]` of `colIndices` / `values`;
/// within a row the columns are strictly increasing. An empty row has equal offsets.
public struct CSRMatrix<T: GSAUScalar>: Sendable {
    /// Number of rows (and, for the square adjacency, of columns).
    public let rowCount: Int
    public let columnCount: Int
    /// `[rowCount + 1]`, `rowOffsets[0] == 0`, `rowOffsets[rowCount] == nonZeroCount`.
    public let rowOffsets: [Int]
    /// `[nonZeroCount]`, sorted within each row.
    public let colIndices: [Int32]
    /// `[nonZeroCount]`.
    public let values: [T]

    public var nonZeroCount: Int { colIndices.count }

    public init(rowCount: Int, columnCount: Int, rowOffsets: [Int], colIndices: [Int32], values: [T]) {
        self.rowCount = rowCount
        self.columnCount = columnCount
        self.rowOffsets = rowOffsets
        self.colIndices = colIndices
        self.values = values
    }
}

/// The symmetric normalised user–item adjacency of LightGCN (docs/MODEL.md §3.3):
/// `Â = D^-1/2 A D^-1/2` over `N = userCount + itemCount` nodes.
///
/// - Nodes: user `u` is node `u`, item `j` is node `userCount + j`. Both counts include the PAD
///   id 0, so PAD user and PAD item are nodes (normally isolated).
/// - `A` is binary and symmetric: `A[u, nU+j] = A[nU+j, u] = 1` for every training edge. A pair
///   that occurs several times is one edge. No self loops.
/// - `deg = rowcount(A) + 1e-7`; entry value `deg_r^-1/2 · deg_c^-1/2`, computed in Double (as the
///   reference's scipy code does, via `pow(deg, -0.5)`) and rounded once to `T`.
/// - Isolated nodes (PAD, items without a training edge) have empty rows.
/// - Columns are sorted within each row (the reference stores the same order).
///
/// Ids and counts are validated; bad input throws `GSAUError.invalidArgument` instead of trapping.
public func normalizedAdjacency<T: GSAUScalar>(
    userIds: UnsafeBufferPointer<Int32>, itemIds: UnsafeBufferPointer<Int32>,
    userCount: Int, itemCount: Int, as _: T.Type = T.self
) throws -> CSRMatrix<T> {
    guard userIds.count == itemIds.count else {
        throw GSAUError.invalidArgument(
            "adjacency: \(userIds.count) user ids but \(itemIds.count) item ids (one of each per edge)")
    }
    guard userCount >= 0, itemCount >= 0, userCount + itemCount <= Int(Int32.max) else {
        throw GSAUError.invalidArgument("adjacency: invalid node counts (users \(userCount), items \(itemCount))")
    }
    let edgeCount = userIds.count
    for e in 0..<edgeCount {
        let u = userIds[e], j = itemIds[e]
        guard u >= 0, Int(u) < userCount else {
            throw GSAUError.invalidArgument("adjacency: user id \(u) at edge \(e) is outside 0..<\(userCount)")
        }
        guard j >= 0, Int(j) < itemCount else {
            throw GSAUError.invalidArgument("adjacency: item id \(j) at edge \(e) is outside 0..<\(itemCount)")
        }
    }

    // 1. Bucket the edges by user (counting sort), then sort and deduplicate each user's items.
    var userStart = [Int](repeating: 0, count: userCount + 1)          // [nU + 1]
    for e in 0..<edgeCount { userStart[Int(userIds[e]) + 1] += 1 }
    for u in 0..<userCount { userStart[u + 1] += userStart[u] }
    var itemsByUser = [Int32](repeating: 0, count: edgeCount)          // [E], grouped by user
    var fill = userStart
    for e in 0..<edgeCount {
        let u = Int(userIds[e])
        itemsByUser[fill[u]] = itemIds[e]
        fill[u] += 1
    }
    var userDegree = [Int](repeating: 0, count: userCount)             // distinct items per user
    var itemDegree = [Int](repeating: 0, count: itemCount)             // distinct users per item
    var uniqueEnd = [Int](repeating: 0, count: userCount)              // end of the deduplicated prefix
    for u in 0..<userCount {
        let lo = userStart[u], hi = userStart[u + 1]
        itemsByUser[lo..<hi].sort()
        var write = lo
        for r in lo..<hi where write == lo || itemsByUser[write - 1] != itemsByUser[r] {
            itemsByUser[write] = itemsByUser[r]
            itemDegree[Int(itemsByUser[r])] += 1
            write += 1
        }
        uniqueEnd[u] = write
        userDegree[u] = write - lo
    }

    // 2. deg^-1/2 per node, in Double (deg = rowcount + 1e-7, as the reference).
    let nodeCount = userCount + itemCount
    var inverseSqrtDegree = [Double](repeating: 0, count: nodeCount)
    for u in 0..<userCount { inverseSqrtDegree[u] = pow(Double(userDegree[u]) + 1e-7, -0.5) }
    for j in 0..<itemCount { inverseSqrtDegree[userCount + j] = pow(Double(itemDegree[j]) + 1e-7, -0.5) }

    // 3. Row offsets: user rows first, then item rows.
    var rowOffsets = [Int](repeating: 0, count: nodeCount + 1)
    for u in 0..<userCount { rowOffsets[u + 1] = rowOffsets[u] + userDegree[u] }
    for j in 0..<itemCount { rowOffsets[userCount + j + 1] = rowOffsets[userCount + j] + itemDegree[j] }
    let nnz = rowOffsets[nodeCount]
    var colIndices = [Int32](repeating: 0, count: nnz)
    var values = [T](repeating: 0, count: nnz)

    // 4. Fill. User rows: the user's sorted distinct items (columns nU + j, increasing).
    //    Item rows: visiting users in increasing order appends columns in increasing order.
    var itemFill = Array(rowOffsets[userCount..<nodeCount])            // next free slot per item row
    for u in 0..<userCount {
        var slot = rowOffsets[u]
        for r in userStart[u]..<uniqueEnd[u] {
            let j = Int(itemsByUser[r])
            let value = T(inverseSqrtDegree[u] * inverseSqrtDegree[userCount + j])
            colIndices[slot] = Int32(userCount + j)
            values[slot] = value
            slot += 1
            let itemSlot = itemFill[j]
            colIndices[itemSlot] = Int32(u)
            values[itemSlot] = T(inverseSqrtDegree[userCount + j] * inverseSqrtDegree[u])
            itemFill[j] = itemSlot + 1
        }
    }
    return CSRMatrix(rowCount: nodeCount, columnCount: nodeCount,
                     rowOffsets: rowOffsets, colIndices: colIndices, values: values)
}

/// Array convenience for `normalizedAdjacency(userIds:itemIds:userCount:itemCount:)`.
public func normalizedAdjacency<T: GSAUScalar>(
    userIds: [Int32], itemIds: [Int32], userCount: Int, itemCount: Int, as type: T.Type = T.self
) throws -> CSRMatrix<T> {
    try userIds.withUnsafeBufferPointer { users in
        try itemIds.withUnsafeBufferPointer { items in
            try normalizedAdjacency(userIds: users, itemIds: items,
                                    userCount: userCount, itemCount: itemCount, as: type)
        }
    }
}
