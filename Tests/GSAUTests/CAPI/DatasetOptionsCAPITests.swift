import XCTest
@testable import GSAU
@testable import GSAUCAPI
import GSAUHeader

/// gsau_dataset_options.hold_out, appended in 0.2: set, defaulted, refused, and absent from a
/// caller that passes the 0.1 struct size.
final class DatasetOptionsCAPITests: XCTestCase {
    private func stats(_ opts: gsau_dataset_options) -> (gsau_status, gsau_dataset_stats) {
        var opts = opts
        var ds: OpaquePointer? = nil
        let status = gsau_dataset_load(&ds, TestFiles.fixture("tiny.txt"), &opts)
        defer { gsau_dataset_free(ds) }
        var s = gsau_dataset_stats()
        s.struct_size = UInt32(MemoryLayout<gsau_dataset_stats>.size)
        if status == GSAU_OK { XCTAssertEqual(gsau_dataset_stats_get(ds, &s), GSAU_OK) }
        return (status, s)
    }

    func testHoldOutModes() {
        var opts = gsau_dataset_options()
        gsau_dataset_options_init(&opts)
        XCTAssertEqual(opts.hold_out, GSAU_HOLD_OUT_LEAVE_ONE_OUT)
        let (_, loo) = stats(opts)
        XCTAssertEqual(loo.n_train_interactions, 204 - 2 * 24)
        XCTAssertEqual(loo.n_valid, 24); XCTAssertEqual(loo.n_test, 24)
        opts.hold_out = GSAU_HOLD_OUT_LAST
        let (_, last) = stats(opts)
        XCTAssertEqual(last.n_train_interactions, 204 - 24)
        XCTAssertEqual(last.n_valid, 24); XCTAssertEqual(last.n_test, 0)
        opts.hold_out = GSAU_HOLD_OUT_NONE
        let (_, none) = stats(opts)
        XCTAssertEqual(none.n_train_interactions, 204)
        XCTAssertEqual(none.n_sequential_train_examples, 204 - 24)
        XCTAssertEqual(none.n_valid, 0)
        opts.hold_out = 7
        XCTAssertEqual(stats(opts).0, GSAU_E_INVALID_ARGUMENT)
        XCTAssertTrue(String(cString: gsau_last_error_message()).contains("hold_out"))
    }

    func testACallerWithThe01StructSizeGetsLeaveOneOut() throws {
        var opts = gsau_dataset_options()
        gsau_dataset_options_init(&opts)
        opts.hold_out = GSAU_HOLD_OUT_NONE                     // beyond the old size: not read
        opts.struct_size = UInt32(try XCTUnwrap(MemoryLayout<gsau_dataset_options>.offset(of: \.hold_out)))
        let (status, s) = stats(opts)
        XCTAssertEqual(status, GSAU_OK)
        XCTAssertEqual(s.n_test, 24)
        opts.struct_size -= 4
        XCTAssertEqual(stats(opts).0, GSAU_E_VERSION_MISMATCH)
    }
}
