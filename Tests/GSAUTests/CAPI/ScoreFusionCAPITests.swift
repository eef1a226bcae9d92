import XCTest
@testable import GSAU
@testable import GSAUCAPI
import GSAUHeader

/// Score fusion through the C API (docs/MODEL.md §7.5): the config member, the selection call, the
/// ladder, and callers built against the 0.2 header (smaller struct_size) that must keep working.
final class ScoreFusionCAPITests: XCTestCase {
    private func train(variant: String = "gsau-rec", weight: Double = 0) throws -> OpaquePointer {
        try trainTinyCModel(variant: variant) { $0.graph_score_weight = weight }
    }

    private func info(_ m: OpaquePointer?) -> gsau_model_info {
        var info = gsau_model_info()
        info.struct_size = UInt32(MemoryLayout<gsau_model_info>.size)
        XCTAssertEqual(gsau_model_info_get(m, &info), GSAU_OK)
        return info
    }

    private func weight(_ m: OpaquePointer?) -> Double { cModelConfig(m).graph_score_weight }

    func testTheConfigMemberTrainsAFusedModel() throws {
        let plain = try train(), fused = try train(weight: 1.5)
        defer { gsau_model_free(plain); gsau_model_free(fused) }
        XCTAssertEqual(weight(plain), 0); XCTAssertEqual(info(plain).vector_width, 8)
        XCTAssertEqual(weight(fused), 1.5); XCTAssertEqual(info(fused).vector_width, 16)
    }

    func testSelectionGivesANewModelAndLeavesTheOldOneAlone() throws {
        let model = try train()
        defer { gsau_model_free(model) }
        let candidates = [0.0, 3.0]
        var valid = [Double](repeating: .nan, count: 2)
        var chosen: OpaquePointer? = nil
        XCTAssertEqual(gsau_model_select_graph_score_weight(&chosen, model, candidates, 2, &valid), GSAU_OK,
                       String(cString: gsau_last_error_message()))
        defer { gsau_model_free(chosen) }
        XCTAssertTrue(valid.allSatisfy(\.isFinite))
        // The same figures as evaluating each weight with gsau_model_evaluate on validation.
        var ks: [Int32] = [20], out = [Double](repeating: 0, count: 4)
        XCTAssertEqual(gsau_model_evaluate(model, GSAU_SPLIT_VALIDATION, &ks, 1, &out), GSAU_OK)
        XCTAssertEqual(valid[0], out[2])
        let rounded = valid.map { RankingMetrics.rounded($0, places: 4) }
        let expected = rounded[1] > rounded[0] ? 3.0 : 0.0
        XCTAssertEqual(weight(chosen), expected)
        XCTAssertEqual(weight(model), 0)
        XCTAssertEqual(info(model).vector_width, 8)

        // A forced choice: one candidate.
        var forced: OpaquePointer? = nil
        var three = 3.0
        XCTAssertEqual(gsau_model_select_graph_score_weight(&forced, model, &three, 1, nil), GSAU_OK)
        defer { gsau_model_free(forced) }
        XCTAssertEqual(weight(forced), 3); XCTAssertEqual(info(forced).vector_width, 16)
        XCTAssertEqual(gsau_model_evaluate(forced, GSAU_SPLIT_VALIDATION, &ks, 1, &out), GSAU_OK)
        XCTAssertEqual(out[2], valid[1])
    }

    func testTheLadderIsTheEnginesDefault() {
        let n = gsau_graph_score_weight_ladder(nil, 0)
        XCTAssertEqual(Int(n), GSAUModel.defaultGraphScoreWeights.count)
        var all = [Double](repeating: -1, count: Int(n) + 2)
        XCTAssertEqual(gsau_graph_score_weight_ladder(&all, Int32(all.count)), n)
        XCTAssertEqual(Array(all.prefix(Int(n))), GSAUModel.defaultGraphScoreWeights)
        XCTAssertEqual(Array(all.suffix(2)), [-1, -1], "nothing beyond the ladder is written")
        var three = [Double](repeating: -1, count: 4)
        XCTAssertEqual(gsau_graph_score_weight_ladder(&three, 3), n)
        XCTAssertEqual(three[3], -1)
        XCTAssertEqual(gsau_graph_score_weight_ladder(&three, -5), n)
    }

    func testBadSelectionsAreRefusedWithAMessage() throws {
        let model = try train(), graphScored = try train(variant: "directau")
        defer { gsau_model_free(model); gsau_model_free(graphScored) }
        var out: OpaquePointer? = nil
        var bad = [-1.0], one = [1.0]
        XCTAssertEqual(gsau_model_select_graph_score_weight(nil, model, &one, 1, nil), GSAU_E_INVALID_ARGUMENT)
        XCTAssertEqual(gsau_model_select_graph_score_weight(&out, model, &one, 0, nil), GSAU_E_INVALID_ARGUMENT)
        XCTAssertEqual(gsau_model_select_graph_score_weight(&out, model, &bad, 1, nil), GSAU_E_INVALID_ARGUMENT)
        XCTAssertTrue(String(cString: gsau_last_error_message()).contains("graph_score_weight"))
        XCTAssertEqual(gsau_model_select_graph_score_weight(&out, graphScored, &one, 1, nil), GSAU_E_INVALID_ARGUMENT)
        XCTAssertEqual(gsau_model_select_graph_score_weight(&out, nil, &one, 1, nil), GSAU_E_MISUSE)
        XCTAssertNil(out, "no model on failure")
    }

    /// A caller compiled against the 0.2 header passes the smaller struct_size: the library
    /// neither reads nor writes the appended members.
    func testCallersOfThePreviousHeaderKeepWorking() throws {
        var cfg = gsau_config()
        gsau_config_default(&cfg)
        cfg.struct_size = UInt32(configSizeBefore03)
        cfg.graph_score_weight = -7                       // beyond the caller's struct: never read
        XCTAssertEqual(gsau_config_resolve(&cfg), GSAU_OK, String(cString: gsau_last_error_message()))
        XCTAssertEqual(cfg.graph_score_weight, -7, "never written")
        cfg.struct_size = UInt32(configSizeBefore03 - 8)
        XCTAssertEqual(gsau_config_resolve(&cfg), GSAU_E_VERSION_MISMATCH)

        let model = try train(weight: 2)
        defer { gsau_model_free(model) }
        var info = gsau_model_info()
        info.struct_size = UInt32(modelInfoSizeBefore03)
        info.vector_width = -77
        XCTAssertEqual(gsau_model_info_get(model, &info), GSAU_OK)
        XCTAssertEqual(info.vector_width, -77, "never written")
        XCTAssertEqual(info.n_users, 24)
        var old = gsau_config()
        old.struct_size = UInt32(configSizeBefore03)
        old.graph_score_weight = -9
        XCTAssertEqual(gsau_model_config_get(model, &old), GSAU_OK)
        XCTAssertEqual(old.graph_score_weight, -9, "never written")
        XCTAssertEqual(old.struct_size, UInt32(configSizeBefore03), "struct_size is the caller's")
        XCTAssertEqual(old.embedding_size, 8)
    }
}
