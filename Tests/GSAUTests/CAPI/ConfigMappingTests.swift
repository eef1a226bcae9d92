import XCTest
@testable import GSAU
@testable import GSAUCAPI
import GSAUHeader

/// The gsau_config <-> ModelConfig mapping reads the struct's members by reflection
/// (ConfigMapping.swift): the offsets it computes must be the compiler's.
final class ConfigMappingTests: XCTestCase {
    func testReflectedOffsetsAreTheCompilers() throws {
        let members = try XCTUnwrap(cStructMembers(of: gsau_config()))
        let offset = { (name: String) in members.first { $0.name == name }?.offset }
        XCTAssertEqual(offset("struct_size"), MemoryLayout<gsau_config>.offset(of: \.struct_size))
        XCTAssertEqual(offset("variant"), MemoryLayout<gsau_config>.offset(of: \.variant))
        XCTAssertEqual(offset("gamma"), MemoryLayout<gsau_config>.offset(of: \.gamma))
        XCTAssertEqual(offset("embedding_size"), MemoryLayout<gsau_config>.offset(of: \.embedding_size))
        XCTAssertEqual(offset("hidden_dropout"), MemoryLayout<gsau_config>.offset(of: \.hidden_dropout))
        XCTAssertEqual(offset("batch_size"), MemoryLayout<gsau_config>.offset(of: \.batch_size))
        XCTAssertEqual(offset("seed"), MemoryLayout<gsau_config>.offset(of: \.seed))
        XCTAssertEqual(offset("threads"), MemoryLayout<gsau_config>.offset(of: \.threads))
        XCTAssertEqual(offset("graph_score_weight"), MemoryLayout<gsau_config>.offset(of: \.graph_score_weight))
        XCTAssertEqual(offset("sampled_negatives"), MemoryLayout<gsau_config>.offset(of: \.sampled_negatives))
        XCTAssertEqual(offset("logit_scale"), MemoryLayout<gsau_config>.offset(of: \.logit_scale))
        XCTAssertEqual(offset("learning_rate_decays"), MemoryLayout<gsau_config>.offset(of: \.learning_rate_decays))
        XCTAssertEqual(offset("learning_rate_decay"), MemoryLayout<gsau_config>.offset(of: \.learning_rate_decay))
        XCTAssertEqual(members.count, 27)
    }

    func testEveryStructMemberIsASchemaFieldOrATrainingOption() {
        let mapped = Set(configMembers.map(\.member.name))
        let members = (cStructMembers(of: gsau_config()) ?? []).map(\.name)
        let unmapped = members.filter { !mapped.contains($0) }
        XCTAssertEqual(unmapped, ["struct_size", "variant", "epochs", "patience", "threads"])
    }

    func testAConfigRoundTripsThroughTheStruct() throws {
        var config = ModelConfig(variant: .graphau)
        config.gamma = 0.7; config.embeddingSize = 32; config.graphLayers = 3; config.hiddenDropout = 0.1
        config.learningRate = 0.002; config.seed = 99
        var c = gsau_config()
        store(config, into: &c)
        XCTAssertEqual(c.gamma, 0.7); XCTAssertEqual(c.embedding_size, 32); XCTAssertEqual(c.graph_layers, 3)
        XCTAssertEqual(c.learning_rate, 0.002); XCTAssertEqual(c.seed, 99)
        let back = try ModelConfig.resolved(variant: .graphau, overrides: configOverrides(c))
        XCTAssertEqual(back, config)
    }

    func testDefaultMarkersLeaveTheVariantsValues() throws {
        var c = gsau_config()
        gsau_config_default(&c)
        XCTAssertEqual(c.gamma, -1); XCTAssertEqual(c.hidden_dropout, -1); XCTAssertEqual(c.graph_layers, 0)
        c.transformer_layers = 3
        for variant in Variant.allCases {
            var expected = ModelConfig(variant: variant)
            expected.transformerLayers = 3; expected.graphLayers = 3
            XCTAssertEqual(try ModelConfig.resolved(variant: variant, overrides: configOverrides(c)), expected, "\(variant)")
        }
    }
}
