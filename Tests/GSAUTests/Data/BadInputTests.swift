import XCTest
@testable import GSAU

final class BadInputTests: XCTestCase {
    private func assertError(_ text: String, suffix: String, options: DatasetOptions = DatasetOptions(),
                             contains expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let path = try TestFiles.temporary(text, suffix: suffix)
        XCTAssertThrowsError(try Dataset.load(path: path, options: options), file: file, line: line) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains(expected), "'\(message)' does not contain '\(expected)'", file: file, line: line)
            XCTAssertTrue(message.contains(path), "'\(message)' does not name the file", file: file, line: line)
        }
    }

    func testMalformedLinesNameFileAndLine() throws {
        try assertError("1 2 3\n7\n", suffix: ".txt", contains: ":2: expected 'user item")
        try assertError("user_id:token\titem_id:token\n1\t2\n1\n", suffix: ".inter", contains: ":3: expected 2 tab-separated fields")
        try assertError("user_id:token\titem_id:token\ttimestamp:float\n1\t2\tsoon\n", suffix: ".inter", contains: ":2: timestamp 'soon'")
        try assertError("user,item\n1,2\n1,2,3\n", suffix: ".csv", contains: ":3: expected 2 comma-separated fields")
        try assertError("user,item\n\"1,2\n", suffix: ".csv", contains: ":2: unterminated quoted field")
    }

    func testMissingColumnsAndBadHeaders() throws {
        try assertError("user_id:token\ttimestamp:float\n1\t2\n", suffix: ".inter", contains: ":1: header has no 'item_id:token' column")
        try assertError("user_id\titem_id:token\n1\t2\n", suffix: ".inter", contains: ":1: header field 'user_id' is not of the form")
        try assertError("user_id:token\titem_id:token\ttimestamp:token\n", suffix: ".inter", contains: "must have type float")
        try assertError("person,thing\n1,2\n", suffix: ".csv", contains: ":1: CSV header must name")
    }

    func testEmptyFiles() throws {
        try assertError("", suffix: ".txt", contains: "empty file")
        try assertError("\n\n", suffix: ".txt", contains: "empty file")
        try assertError("user_id:token\titem_id:token\n", suffix: ".inter", contains: "empty file")
        try assertError("", suffix: ".csv", contains: "empty file")
    }

    func testMissingFileAndDirectory() throws {
        XCTAssertThrowsError(try Dataset.load(path: "/nonexistent/beauty.txt")) { error in
            XCTAssertEqual("\(error)", "/nonexistent/beauty.txt: No such file or directory")
        }
        XCTAssertThrowsError(try Dataset.load(path: NSTemporaryDirectory())) { error in
            XCTAssertTrue("\(error)".contains("is a directory"))
        }
    }

    func testShortUsersAreDroppedAndReportedOrRefused() throws {
        let text = "a 1 2 3\nb 4 5\nc 6 7 8 9\n"
        let ds = try Dataset.load(path: try TestFiles.temporary(text, suffix: ".txt"))
        XCTAssertEqual(ds.userCount, 2)
        XCTAssertEqual(ds.users.tokens, ["[PAD]", "a", "c"])
        XCTAssertEqual(ds.itemCount, 7)                      // items 4 and 5 only belonged to b
        XCTAssertEqual(ds.report.usersDroppedTooShort, 1)
        XCTAssertEqual(ds.report.rowsDroppedTooShort, 2)
        XCTAssertEqual(ds.report.warnings.count, 1)
        XCTAssertTrue(ds.report.warnings[0].contains("dropped 1 users with fewer than 3 interactions"))
        try assertError(text, suffix: ".txt", options: DatasetOptions(shortUsers: .refuse),
                        contains: "user 'b' has 2 interaction(s); leave-one-out needs at least 3")
        try assertError("a 1 2\n", suffix: ".txt", contains: "no interactions left")
    }
}
