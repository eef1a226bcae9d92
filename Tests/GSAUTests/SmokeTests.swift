import XCTest
@testable import GSAU

final class SmokeTests: XCTestCase {
    func testGemmMatchesLoops() {
        let a: [Float] = [1, 2, 3, 4, 5, 6]       // [2, 3]
        let b: [Float] = [7, 8, 9, 10, 11, 12]    // [3, 2]
        var c = [Float](repeating: 0, count: 4)
        a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
            matmul(ap.baseAddress!, bp.baseAddress!, into: cp.baseAddress!, m: 2, n: 2, k: 3)
        } } }
        XCTAssertEqual(c, [58, 64, 139, 154])
    }
}
