import XCTest
@testable import GSAU
@testable import GSAUCAPI
import GSAUHeader

/// The sampled softmax through the C API (docs/MODEL.md §4.8): the config member trains with it and
/// reads back from the model, bad values are refused naming the field, and callers of the 0.3
/// header (a struct_size without the member) train with the full softmax.
final class SampledSoftmaxCAPITests: XCTestCase {
    private func sampledNegatives(_ m: OpaquePointer?) -> Int32 { cModelConfig(m).sampled_negatives }

    func testTheConfigMemberTrainsWithTheSampledSoftmax() throws {
        let sampled = try trainTinyCModel { $0.sampled_negatives = 6 }
        let full = try trainTinyCModel()
        defer { gsau_model_free(sampled); gsau_model_free(full) }
        XCTAssertEqual(sampledNegatives(sampled), 6)
        XCTAssertEqual(sampledNegatives(full), 0)
        var cfg = gsau_config()
        gsau_config_default(&cfg)
        XCTAssertEqual(cfg.sampled_negatives, 0, "the default is the full softmax")
    }

    func testBadValuesAreRefusedNamingTheField() {
        for (variant, k) in [("gsau-rec", Int32(-3)), ("gsau", Int32(8))] {
            assertTinyCTrainingRefused(variant: variant, naming: "sampled_negatives") { $0.sampled_negatives = k }
        }
    }

    func testCallersOfThePreviousHeaderTrainWithTheFullSoftmax() throws {
        try assertCallersOfThePreviousHeaderGetTheDefault(\.sampled_negatives, unread: 5)
    }
}
