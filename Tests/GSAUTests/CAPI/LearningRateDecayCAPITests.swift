import XCTest
@testable import GSAU
@testable import GSAUCAPI
import GSAUHeader

/// The learning-rate decay on a plateau through the C API (docs/MODEL.md §6.6): the config
/// members default to off (0 decays, factor 0.1), a run with decays trains past the plateau that
/// stops it without, the values read back from the model, bad values are refused naming the field,
/// and callers of the 0.5 header (a struct_size without the members) train without decay.
final class LearningRateDecayCAPITests: XCTestCase {
    /// SASRec(u) at a high rate, which early stopping ends after a few epochs at patience 1.
    private func plateauRun(decays: Int32) throws -> OpaquePointer {
        try trainTinyCModel(variant: "sasrec-u", epochs: 60) { cfg in
            cfg.learning_rate = 0.05; cfg.patience = 1; cfg.learning_rate_decays = decays; cfg.learning_rate_decay = 0.5
        }
    }

    private func epochsRun(_ m: OpaquePointer) -> Int32 {
        var info = gsau_model_info()
        info.struct_size = UInt32(MemoryLayout<gsau_model_info>.size)
        XCTAssertEqual(gsau_model_info_get(m, &info), GSAU_OK)
        return info.epochs_run
    }

    func testTheMembersDefaultToOffAndADecayedRunGoesPastThePlateau() throws {
        var cfg = gsau_config()
        gsau_config_default(&cfg)
        XCTAssertEqual(cfg.learning_rate_decays, 0, "the default is the paper's constant rate")
        XCTAssertEqual(cfg.learning_rate_decay, 0.1)
        let plain = try plateauRun(decays: 0)
        let decayed = try plateauRun(decays: 2)
        defer { gsau_model_free(plain); gsau_model_free(decayed) }
        XCTAssertLessThan(epochsRun(plain), 60, "the plateau stops the plain run")
        XCTAssertGreaterThan(epochsRun(decayed), epochsRun(plain) + 1)
        XCTAssertEqual(cModelConfig(decayed).learning_rate_decays, 2)
        XCTAssertEqual(cModelConfig(decayed).learning_rate_decay, 0.5)
        XCTAssertEqual(cModelConfig(plain).learning_rate_decays, 0)
    }

    func testBadValuesAreRefusedNamingTheField() {
        for decays: Int32 in [-1, 1025] {
            assertTinyCTrainingRefused(variant: "gsau-rec", naming: "learning_rate_decays") { $0.learning_rate_decays = decays }
        }
        for factor in [0.0, 1.0, -0.5, 2, .nan, .infinity] {
            assertTinyCTrainingRefused(variant: "gsau-rec", naming: "learning_rate_decay") {
                $0.learning_rate_decays = 1; $0.learning_rate_decay = factor
            }
        }
    }

    func testCallersOfThePreviousHeaderTrainWithoutDecay() throws {
        try assertCallersOfThePreviousHeaderGetTheDefault(\.learning_rate_decays, unread: 7)
    }
}
