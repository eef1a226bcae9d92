import XCTest
@testable import GSAU
@testable import GSAUCAPI
import GSAUHeader

/// The logit scale through the C API (docs/MODEL.md §4.9): the config member defaults to 1, trains
/// with its value and reads back from the model, bad values are refused naming the field, and
/// callers of the 0.4 header (a struct_size without the member) train with 1.
final class LogitScaleCAPITests: XCTestCase {
    private func logitScale(_ m: OpaquePointer?) -> Double { cModelConfig(m).logit_scale }

    func testTheConfigMemberDefaultsToOneAndReadsBack() throws {
        var cfg = gsau_config()
        gsau_config_default(&cfg)
        XCTAssertEqual(cfg.logit_scale, 1, "the default is the paper's loss")
        let scaled = try trainTinyCModel { $0.logit_scale = 2.5 }
        let plain = try trainTinyCModel()
        defer { gsau_model_free(scaled); gsau_model_free(plain) }
        XCTAssertEqual(logitScale(scaled), 2.5)
        XCTAssertEqual(logitScale(plain), 1)
    }

    func testBadValuesAreRefusedNamingTheField() {
        for (variant, s) in [("gsau-rec", 0.0), ("gsau-rec", -2), ("gsau-rec", .nan), ("gsau-rec", .infinity),
                             ("sasrec", 2), ("gsau", 2), ("bert4rec", 2), ("lightgcn", 2)] {
            assertTinyCTrainingRefused(variant: variant, naming: "logit_scale") { $0.logit_scale = s }
        }
    }

    func testCallersOfThePreviousHeaderTrainWithOne() throws {
        try assertCallersOfThePreviousHeaderGetTheDefault(\.logit_scale, unread: 7)
    }
}
