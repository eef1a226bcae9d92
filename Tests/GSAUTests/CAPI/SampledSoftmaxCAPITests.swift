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
        let before04 = try XCTUnwrap(MemoryLayout<gsau_config>.offset(of: \gsau_config.sampled_negatives))
        let model = try trainTinyCModel { cfg in
            cfg.struct_size = UInt32(before04)
            cfg.sampled_negatives = 5                       // beyond the caller's struct: never read
        }
        defer { gsau_model_free(model) }
        XCTAssertEqual(sampledNegatives(model), 0)
        var old = gsau_config()
        old.struct_size = UInt32(before04)
        old.sampled_negatives = -9
        XCTAssertEqual(gsau_model_config_get(model, &old), GSAU_OK)
        XCTAssertEqual(old.sampled_negatives, -9, "never written")
    }
}
