import Foundation
import XCTest
@testable import GSAU

/// Reading the parity fixtures (`Tests/GSAUTests/Fixtures/parity`) for the graph, loss and
/// optimizer kernel tests.
enum GraphKernelFixture {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/parity")

    /// A case file (`gsau_rec_step`, ...) as a JSON dictionary.
    static func load(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: directory.appendingPathComponent("\(name).json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func numbers(_ value: Any?) -> [Double] {
        ((value as? [Any]) ?? []).map { ($0 as! NSNumber).doubleValue }
    }

    static func integers(_ value: Any?) -> [Int] {
        ((value as? [Any]) ?? []).map { ($0 as! NSNumber).intValue }
    }

    /// A `{"shape": [...], "data": [...]}` tensor; `nil` for JSON null.
    static func tensor(_ value: Any?) -> (shape: [Int], data: [Double])? {
        guard let object = value as? [String: Any] else { return nil }
        return (integers(object["shape"]), numbers(object["data"]))
    }

    /// Graph train edges from `tiny.txt`: `(u, s[k])` for `k ≤ n − 3` of each user line.
    static func graphTrainEdges() throws -> (users: [Int32], items: [Int32]) {
        let text = try String(contentsOf: directory.appendingPathComponent("tiny.txt"), encoding: .utf8)
        var users: [Int32] = [], items: [Int32] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ").map { Int32($0)! }
            guard fields.count >= 2 else { continue }
            let user = fields[0], sequence = fields.dropFirst()
            for item in sequence.prefix(sequence.count - 2) {
                users.append(user)
                items.append(item)
            }
        }
        return (users, items)
    }

    static let userCount = 25   // PAD included
    static let itemCount = 21
}

final class GraphAdjacencyTests: XCTestCase {
    /// Known answer: the normalised adjacency the reference stored for the tiny data set.
    func testAdjacencyMatchesFixture() throws {
        let fixture = try GraphKernelFixture.load("gsau_rec_step")
        let expected = try XCTUnwrap(fixture["norm_adj"] as? [String: Any])
        let rows = GraphKernelFixture.integers(expected["row"])
        let cols = GraphKernelFixture.integers(expected["col"])
        let values = GraphKernelFixture.numbers(expected["value"])
        let edges = try GraphKernelFixture.graphTrainEdges()
        XCTAssertEqual(edges.users.count, 156)

        let a: CSRMatrix<Float> = try normalizedAdjacency(
            userIds: edges.users, itemIds: edges.items,
            userCount: GraphKernelFixture.userCount, itemCount: GraphKernelFixture.itemCount)
        XCTAssertEqual(a.rowCount, expected["n_nodes"] as? Int)
        XCTAssertEqual(a.nonZeroCount, expected["nnz"] as? Int)
        XCTAssertEqual(a.nonZeroCount, values.count)
        var worst = 0.0, bitEqual = 0
        var e = 0
        for r in 0..<a.rowCount {
            for slot in a.rowOffsets[r]..<a.rowOffsets[r + 1] {
                guard e < rows.count else { break }
                XCTAssertEqual(r, rows[e], "row of entry \(e)")
                XCTAssertEqual(Int(a.colIndices[slot]), cols[e], "column of entry \(e)")
                worst = max(worst, abs(Double(a.values[slot]) - values[e]))
                if a.values[slot] == Float(values[e]) { bitEqual += 1 }
                e += 1
            }
        }
        XCTAssertLessThanOrEqual(worst, 1e-7)
        // PAD user (node 0) and PAD item (node 25) are isolated.
        XCTAssertEqual(a.rowOffsets[1] - a.rowOffsets[0], 0)
        XCTAssertEqual(a.rowOffsets[26] - a.rowOffsets[25], 0)
        print("FIXTURE adjacency: nnz \(a.nonZeroCount), max |value - reference| = \(worst), bit-equal \(bitEqual)/\(values.count)")

        // The Double instantiation agrees with the float32 values to float32 rounding.
        let d: CSRMatrix<Double> = try normalizedAdjacency(
            userIds: edges.users, itemIds: edges.items,
            userCount: GraphKernelFixture.userCount, itemCount: GraphKernelFixture.itemCount)
        XCTAssertEqual(d.colIndices, a.colIndices)
        XCTAssertEqual(d.rowOffsets, a.rowOffsets)
        for i in 0..<d.values.count { XCTAssertEqual(Float(d.values[i]), a.values[i]) }
    }

    /// Duplicated pairs are one edge; isolated nodes have empty rows; columns sorted; symmetric.
    func testDuplicatesIsolatedNodesAndSymmetry() throws {
        // 3 users (0 = PAD), 4 items (0 = PAD, 3 has no edge). Edge (1, 1) appears twice.
        let users: [Int32] = [1, 2, 1, 1]
        let items: [Int32] = [2, 2, 1, 1]
        let a: CSRMatrix<Double> = try normalizedAdjacency(userIds: users, itemIds: items,
                                                           userCount: 3, itemCount: 4)
        XCTAssertEqual(a.rowCount, 7)
        XCTAssertEqual(a.rowOffsets, [0, 0, 2, 3, 3, 4, 6, 6])   // PAD u, u1, u2, PAD i, i1, i2, i3
        XCTAssertEqual(a.colIndices, [4, 5, 5, 1, 1, 2])
        let deg: (Double) -> Double = { 1 / ($0 + 1e-7).squareRoot() }
        let expected = [deg(2) * deg(1), deg(2) * deg(2), deg(1) * deg(2),
                        deg(1) * deg(2), deg(2) * deg(2), deg(1) * deg(2)]
        for i in 0..<expected.count { XCTAssertEqual(a.values[i], expected[i], accuracy: 1e-15) }

        // Symmetry, bit for bit (the SpMM backward relies on it), on a random larger graph.
        var random = TestRandom(seed: 7)
        let n = 400
        let u = (0..<n).map { _ in Int32(random.next() % 40) }
        let j = (0..<n).map { _ in Int32(random.next() % 30) }
        let b: CSRMatrix<Float> = try normalizedAdjacency(userIds: u, itemIds: j, userCount: 40, itemCount: 30)
        var entries: [Int: Float] = [:]
        for r in 0..<b.rowCount {
            var previous = -1
            for s in b.rowOffsets[r]..<b.rowOffsets[r + 1] {
                let c = Int(b.colIndices[s])
                XCTAssertGreaterThan(c, previous, "columns sorted within row \(r)")
                XCTAssertNotEqual(c, r, "no self loop")
                previous = c
                entries[r * b.rowCount + c] = b.values[s]
            }
        }
        for (key, value) in entries {
            let r = key / b.rowCount, c = key % b.rowCount
            XCTAssertEqual(entries[c * b.rowCount + r], value, "Â[\(r), \(c)] vs Â[\(c), \(r)]")
        }
    }

    /// Bad ids and shapes are reported as errors, not traps.
    func testInvalidInputThrows() {
        func build(_ u: [Int32], _ i: [Int32], _ nU: Int = 3, _ nI: Int = 3) throws {
            let _: CSRMatrix<Float> = try normalizedAdjacency(userIds: u, itemIds: i, userCount: nU, itemCount: nI)
        }
        XCTAssertThrowsError(try build([1, 2], [1]))
        XCTAssertThrowsError(try build([3], [1]))
        XCTAssertThrowsError(try build([-1], [1]))
        XCTAssertThrowsError(try build([1], [3]))
        XCTAssertThrowsError(try build([1], [1], -1, 3))
        XCTAssertNoThrow(try build([], [], 0, 0))
        XCTAssertThrowsError(try build([1, 2], [1, 7])) { error in
            guard case GSAUError.invalidArgument(let message) = error else {
                return XCTFail("unexpected error \(error)")
            }
            XCTAssertTrue(message.contains("item id 7 at edge 1"), message)
        }
    }
}
