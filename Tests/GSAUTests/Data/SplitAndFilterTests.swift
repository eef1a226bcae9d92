import XCTest
@testable import GSAU

final class SplitAndFilterTests: XCTestCase {
    func testLeaveOneOutSplit() throws {
        let ds = try Dataset.load(path: try TestFiles.temporary("u 10 11 12 13 14\nv 12 10 15\n", suffix: ".txt"))
        let u = ds.users.id(of: "u")!, v = ds.users.id(of: "v")!
        func tok(_ s: ArraySlice<Int32>) -> [String] { s.map { ds.items.token(of: $0)! } }
        XCTAssertEqual(tok(ds.trainItems(ofUser: u)), ["10", "11", "12"])
        XCTAssertEqual(ds.items.token(of: ds.target(ofUser: u, split: .validation)), "13")
        XCTAssertEqual(ds.items.token(of: ds.target(ofUser: u, split: .test)), "14")
        XCTAssertEqual(tok(ds.history(ofUser: u, split: .validation)), ["10", "11", "12"])
        XCTAssertEqual(tok(ds.history(ofUser: u, split: .test)), ["10", "11", "12", "13"])
        XCTAssertEqual(tok(ds.trainItems(ofUser: v)), ["12"])
        XCTAssertEqual(ds.trainInteractionCount, 4)
        XCTAssertEqual(ds.sequentialTrainExampleCount, 2)
    }

    func testIterativeKCoreNeedsSeveralRounds() throws {
        // With k = 3: item z has 2 rows -> removed; then user c falls to 2 rows -> removed; then
        // item y falls to 2 rows -> removed; then users a and b fall below 3 ... until stable.
        let rows: [(String, String)] = [
            ("a", "x"), ("a", "y"), ("a", "w"), ("a", "v"),
            ("b", "x"), ("b", "y"), ("b", "w"), ("b", "v"),
            ("c", "x"), ("c", "y"), ("c", "z"),
            ("d", "x"), ("d", "w"), ("d", "v"), ("d", "z"),
        ]
        let ds = try Dataset(userIDs: rows.map(\.0), itemIDs: rows.map(\.1),
                             options: DatasetOptions(minUserInteractions: 3, minItemInteractions: 3))
        // Round 1: z (2 rows) goes; y has 3 (a, b, c) and stays. Round 2: c has x, y left (2) -> goes;
        // d has x, w, v (3) stays. Round 3: y has 2 rows (a, b) -> goes. Round 4: stable.
        XCTAssertEqual(ds.users.tokens, ["[PAD]", "a", "b", "d"])
        XCTAssertEqual(ds.items.tokens, ["[PAD]", "x", "w", "v"])
        XCTAssertEqual(ds.report.kCoreRounds, 3)
        XCTAssertEqual(ds.report.rowsRemovedByKCore, 6)
        XCTAssertEqual(ds.interactionCount, 9)
    }

    func testTinyFixtureBothFormatsAgree() throws {
        let txt = try Dataset.load(path: TestFiles.fixture("tiny.txt"), options: DatasetOptions(minUserInteractions: 5, minItemInteractions: 5))
        let inter = try Dataset.load(path: TestFiles.fixture("tiny.inter"), options: DatasetOptions(minUserInteractions: 5, minItemInteractions: 5))
        XCTAssertEqual(txt.users.count, 25); XCTAssertEqual(txt.items.count, 21)
        XCTAssertEqual(txt.interactionCount, 204)
        XCTAssertEqual(txt.sequence, inter.sequence); XCTAssertEqual(txt.offsets, inter.offsets)
        XCTAssertEqual(txt.trainInteractionCount, 156)
        XCTAssertEqual(txt.sequentialTrainExampleCount, 132)
        for i in 1..<21 { XCTAssertEqual(txt.items.token(of: Int32(i)), "\(i)") }   // internal id = token
    }

    func testBeautyTxtAndInterGiveIdenticalSplitsAndTheSpecStatistics() throws {
        let options = DatasetOptions(minUserInteractions: 5, minItemInteractions: 5)
        let txt = try Dataset.load(path: TestFiles.data("beauty.txt"), options: options)
        let inter = try Dataset.load(path: TestFiles.data("beauty.inter"), options: options)
        for ds in [txt, inter] {
            XCTAssertEqual(ds.userCount, 22_363)
            XCTAssertEqual(ds.itemCount, 12_101)
            XCTAssertEqual(ds.interactionCount, 198_502)
            XCTAssertEqual(ds.trainInteractionCount, 153_776)          // docs/MODEL.md §2.3
            XCTAssertEqual(ds.sequentialTrainExampleCount, 131_413)    // docs/MODEL.md §2.4
            XCTAssertEqual(ds.report.rowsRemovedByKCore, 0)
        }
        XCTAssertEqual(txt.users, inter.users)
        XCTAssertEqual(txt.items, inter.items)
        XCTAssertEqual(txt.offsets, inter.offsets)
        XCTAssertEqual(txt.sequence, inter.sequence)
    }

    func testBeautyMiniIsNotRefiltered() throws {
        let ds = try Dataset.load(path: TestFiles.data("beauty-mini.txt"))
        XCTAssertEqual(ds.userCount, 2_000)
        XCTAssertEqual(ds.itemCount, 8_017)
        XCTAssertEqual(ds.interactionCount, 24_226)
    }
}
