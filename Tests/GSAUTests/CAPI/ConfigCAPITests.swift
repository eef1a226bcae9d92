import XCTest
@testable import GSAU
@testable import GSAUCAPI
import GSAUHeader

/// gsau_variant_count / gsau_variant_name / gsau_config_resolve: hosts read the engine's variant
/// list and per-variant defaults instead of copying them.
final class ConfigCAPITests: XCTestCase {
    func testVariantListIsTheEngines() {
        let names = (0..<GSAUCAPI.gsau_variant_count()).map { String(cString: GSAUCAPI.gsau_variant_name($0)!) }
        XCTAssertEqual(names, Variant.allCases.map(\.rawValue))
        XCTAssertNil(GSAUCAPI.gsau_variant_name(-1))
        XCTAssertNil(GSAUCAPI.gsau_variant_name(GSAUCAPI.gsau_variant_count()))
    }

    func testResolveFillsTheVariantDefaultsAsTrainingUsesThem() {
        for variant in Variant.allCases {
            var cfg = gsau_config()
            gsau_config_default(&cfg)
            XCTAssertLessThan(cfg.gamma, 0)
            let status = variant.rawValue.withCString { name -> gsau_status in
                cfg.variant = name
                return gsau_config_resolve(&cfg)
            }
            XCTAssertEqual(status, GSAU_OK)
            let expected = ModelConfig(variant: variant)
            XCTAssertEqual(String(cString: cfg.variant), variant.rawValue)
            XCTAssertEqual(cfg.gamma, expected.gamma)
            XCTAssertEqual(cfg.hidden_dropout, expected.hiddenDropout)
            XCTAssertEqual(cfg.attention_dropout, expected.attentionDropout)
            XCTAssertEqual(Int(cfg.graph_layers), expected.graphLayers)
        }
        var cfg = gsau_config()
        gsau_config_default(&cfg)
        cfg.transformer_layers = 3
        cfg.gamma = 0.7
        XCTAssertEqual(gsau_config_resolve(&cfg), GSAU_OK)
        XCTAssertEqual(String(cString: cfg.variant), "gsau-rec")       // NULL = the default variant
        XCTAssertEqual(cfg.graph_layers, 3)                              // 0 = tied to the transformer depth
        XCTAssertEqual(cfg.gamma, 0.7)                                   // an explicit value is kept
    }

    func testResolveRefusesBadConfigsAndLeavesThemAsTheyWere() {
        var cfg = gsau_config()
        gsau_config_default(&cfg)
        cfg.embedding_size = 0
        let before = cfg
        XCTAssertEqual(gsau_config_resolve(&cfg), GSAU_E_INVALID_ARGUMENT)
        XCTAssertTrue(String(cString: gsau_last_error_message()).contains("embedding_size"))
        XCTAssertEqual(cfg.gamma, before.gamma)
        XCTAssertNil(cfg.variant)
        let unknown = "nope".withCString { name -> gsau_status in
            var c = before
            c.embedding_size = 64
            c.variant = name
            return gsau_config_resolve(&c)
        }
        XCTAssertEqual(unknown, GSAU_E_INVALID_ARGUMENT)
        XCTAssertEqual(gsau_config_resolve(nil), GSAU_E_INVALID_ARGUMENT)
    }
}
