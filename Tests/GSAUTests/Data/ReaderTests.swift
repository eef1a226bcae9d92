import XCTest
@testable import GSAU

final class ReaderTests: XCTestCase {
    func testSequenceFileMapsRawIdsByFirstAppearance() throws {
        let path = try TestFiles.temporary("u9 a b c\n\nu3 c d e f\r\nu9 g\n", suffix: ".txt")
        let ds = try Dataset.load(path: path)
        XCTAssertEqual(ds.format, .sequence)
        XCTAssertEqual(ds.users.tokens, ["[PAD]", "u9", "u3"])
        XCTAssertEqual(ds.items.tokens, ["[PAD]", "a", "b", "c", "d", "e", "f", "g"])
        XCTAssertEqual(Array(ds.items(ofUser: 1)), [1, 2, 3, 7])   // second line of u9 appended
        XCTAssertEqual(Array(ds.items(ofUser: 2)), [3, 4, 5, 6])
        XCTAssertEqual(ds.interactionCount, 8)
        XCTAssertNil(ds.timestamps)
    }

    func testAtomicFileIgnoresExtraColumnsAndSortsStablyByTime() throws {
        // User x: times 30, 10, 10, 20 -> order by time, the two 10s keep file order (i2 before i3).
        let text = "user_id:token\titem_id:token\trating:float\ttimestamp:float\n"
            + "x\ti1\t5\t30\nx\ti2\t4\t10\ny\ti9\t3\t1\nx\ti3\t1\t10\nx\ti4\t2\t20\ny\ti1\t1\t2\ny\ti2\t1\t3\n"
        let ds = try Dataset.load(path: try TestFiles.temporary(text, suffix: ".inter"))
        XCTAssertEqual(ds.format, .atomic)
        let x = ds.users.id(of: "x")!
        XCTAssertEqual(ds.items(ofUser: x).map { ds.items.token(of: $0)! }, ["i2", "i3", "i4", "i1"])
        XCTAssertEqual(ds.timestamps!.count, 7)
        XCTAssertEqual(ds.target(ofUser: x, split: .test), ds.items.id(of: "i1"))
        XCTAssertEqual(ds.target(ofUser: x, split: .validation), ds.items.id(of: "i4"))
    }

    func testCSVWithQuotesAndOptionalTimestamp() throws {
        let text = "item,user,timestamp\n\"a,1\",u1,3\nb,u1,1\nc,u1,2\n\"say \"\"hi\"\"\",u2,1\nb,u2,2\nc,u2,3\n"
        let ds = try Dataset.load(path: try TestFiles.temporary(text, suffix: ".csv"))
        XCTAssertEqual(ds.format, .csv)
        XCTAssertEqual(ds.items.tokens, ["[PAD]", "a,1", "b", "c", "say \"hi\""])
        XCTAssertEqual(ds.items(ofUser: 1).map { ds.items.token(of: $0)! }, ["b", "c", "a,1"])
        let noTime = try Dataset.load(path: try TestFiles.temporary("user,item\n1,5\n1,6\n1,7\n", suffix: ".csv"))
        XCTAssertEqual(Array(noTime.items(ofUser: 1)), [1, 2, 3])
    }

    func testFormatDetectionFromContent() throws {
        XCTAssertEqual(try Dataset.load(path: try TestFiles.temporary("user_id:token\titem_id:token\n1\t2\n1\t3\n1\t4\n", suffix: ".dat")).format, .atomic)
        XCTAssertEqual(try Dataset.load(path: try TestFiles.temporary("user,item\n1,2\n1,3\n1,4\n", suffix: ".dat")).format, .csv)
        XCTAssertEqual(try Dataset.load(path: try TestFiles.temporary("1 2 3 4\n", suffix: ".dat")).format, .sequence)
    }

    func testArraysGiveTheSameDatasetAsAFile() throws {
        let ds = try Dataset(userIDs: ["a", "a", "a", "b", "b", "b"], itemIDs: ["x", "y", "z", "z", "y", "w"],
                             timestamps: [3, 2, 1, 1, 1, 1])
        XCTAssertEqual(ds.items(ofUser: 1).map { ds.items.token(of: $0)! }, ["z", "y", "x"])
        XCTAssertEqual(ds.items(ofUser: 2).map { ds.items.token(of: $0)! }, ["z", "y", "w"])
        XCTAssertThrowsError(try Dataset(userIDs: ["a"], itemIDs: []))
        XCTAssertThrowsError(try Dataset(userIDs: ["a"], itemIDs: ["b"], timestamps: [.nan]))
    }

    func testReadsFilesThatReportSizeZero() throws {
        // /proc files have st_size 0; the reader must still return their content.
        let status = String(decoding: try readFileBytes("/proc/self/status"), as: UTF8.self)
        XCTAssertTrue(status.contains("Name:"))
        // A file larger than the first read chunk.
        XCTAssertEqual(try readFileBytes(TestFiles.data("beauty.txt")).count, 1_090_094)
    }
}
