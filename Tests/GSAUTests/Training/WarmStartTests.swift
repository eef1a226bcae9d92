import XCTest
@testable import GSAU

/// Warm start (docs/MODEL.md §6.5): rows of known users and items and every shared tensor come
/// from the saved model, matched by raw id; new users and items start as a fresh run would.
final class WarmStartTests: XCTestCase {
    private func config(_ variant: Variant) -> ModelConfig {
        var c = ModelConfig(variant: variant)
        c.useTinyFixtureSizes(); c.seed = 5
        return c
    }

    /// tiny.txt's interactions without user "3", with user "new" and item "fresh" added, users in
    /// another order: every dense id differs from the saved model's.
    private func newData() throws -> Dataset {
        var users: [String] = [], items: [String] = []
        let lines = try String(contentsOfFile: TestFiles.fixture("tiny.txt"), encoding: .utf8).split(separator: "\n")
        for line in lines.reversed() {
            let tokens = line.split(separator: " ").map(String.init)
            guard let user = tokens.first, user != "3" else { continue }
            for item in tokens.dropFirst() { users.append(user); items.append(item) }
        }
        for item in ["fresh", "2", "fresh", "5"] { users.append("new"); items.append(item) }
        return try Dataset(userIDs: users, itemIDs: items)
    }

    func testKnownRowsAndSharedTensorsComeFromTheSavedModelNewOnesStartFresh() throws {
        let old = try Dataset.load(path: TestFiles.fixture("tiny.txt"))
        for variant in [Variant.gsauRec, .bert4rec] {
            let (saved, _) = try Trainer(config: config(variant), dataset: old, options: .epochs(1)).train()
            let data = try newData()
            let cold = try Trainer(config: config(variant), dataset: data, options: .epochs(1))
            let warm = try Trainer(config: config(variant), dataset: data, options: .epochs(1))
            let report = try warm.warmStart(from: saved)
            let hasUserTable = config(variant).useGraph         // sequence-only variants have no user rows
            XCTAssertEqual(report.usersNew, hasUserTable ? 1 : 0)
            XCTAssertEqual(report.itemsNew, 1)
            XCTAssertEqual(report.usersMatched, hasUserTable ? data.userCount - 1 : 0)
            XCTAssertEqual(report.itemsMatched, data.itemCount - 1)
            let coldParameters = cold.state(elapsedSeconds: 0).parameters
            let warmParameters = warm.state(elapsedSeconds: 0).parameters
            let layout = ParameterLayout(config: config(variant), userCount: data.users.count, itemCount: data.items.count)
            let d = config(variant).embeddingSize
            for slot in layout.slots {
                let oldSlot = try XCTUnwrap(saved.layout.slot(named: slot.name))
                switch slot.name {
                case "embedding_layer.user_embedding.weight", "embedding_layer.item_embedding.weight", "sequential_encoder.output_bias":
                    let (map, oldMap) = slot.name.contains("user") ? (data.users, saved.dataset.users) : (data.items, saved.dataset.items)
                    let width = slot.shape.count > 1 ? d : 1
                    for id in 1..<Int32(map.count) {
                        let row = Array(warmParameters[(slot.offset + Int(id) * width)..<(slot.offset + Int(id + 1) * width)])
                        if let oldID = oldMap.id(of: map.tokens[Int(id)]) {
                            XCTAssertEqual(row, Array(saved.parameters[(oldSlot.offset + Int(oldID) * width)..<(oldSlot.offset + Int(oldID + 1) * width)]),
                                           "\(variant) \(slot.name) \(map.tokens[Int(id)])")
                        } else {
                            XCTAssertEqual(row, Array(coldParameters[(slot.offset + Int(id) * width)..<(slot.offset + Int(id + 1) * width)]),
                                           "\(variant) \(slot.name) new \(map.tokens[Int(id)])")
                        }
                    }
                default:
                    XCTAssertEqual(Array(warmParameters[slot.offset..<(slot.offset + slot.count)]),
                                   Array(saved.parameters[oldSlot.offset..<(oldSlot.offset + oldSlot.count)]), "\(variant) \(slot.name)")
                }
            }
            // It trains on from there.
            let (model, result) = try warm.train()
            XCTAssertEqual(result.history.count, 1)
            XCTAssertTrue(model.parameters.allSatisfy(\.isFinite))
            XCTAssertNotEqual(model.parameters, warmParameters)
        }
    }

    func testAnotherArchitectureIsRefusedAndTheRunUnchanged() throws {
        let old = try Dataset.load(path: TestFiles.fixture("tiny.txt"))
        let (saved, _) = try Trainer(config: config(.sasrec), dataset: old, options: .epochs(1)).train()
        var wider = config(.sasrec); wider.embeddingSize = 16; wider.innerSize = 16
        let trainer = try Trainer(config: wider, dataset: old, options: .epochs(1))
        let before = trainer.state(elapsedSeconds: 0).parameters
        XCTAssertThrowsError(try trainer.warmStart(from: saved)) {
            XCTAssertTrue("\($0)".contains("embedding_layer.item_embedding.weight"), "\($0)")
        }
        XCTAssertEqual(trainer.state(elapsedSeconds: 0).parameters, before)
        // From a sequence-only model to GSAU(rec): users start fresh, everything else is shared.
        let (sasrecU, _) = try Trainer(config: config(.gsauRecNoGraph), dataset: old, options: .epochs(1)).train()
        let report = try Trainer(config: config(.gsauRec), dataset: old, options: .epochs(1)).warmStart(from: sasrecU)
        XCTAssertEqual(report.usersMatched, 0)
        XCTAssertEqual(report.itemsMatched, old.itemCount)
        // A graph-only saved model lacks the transformer GSAU(rec) needs.
        let (graph, _) = try Trainer(config: config(.directau), dataset: old, options: .epochs(1)).train()
        XCTAssertThrowsError(try Trainer(config: config(.gsauRec), dataset: old, options: .epochs(1)).warmStart(from: graph)) {
            XCTAssertTrue("\($0)".contains("has no tensor sequential_encoder"), "\($0)")
        }
        // Not after the run has started.
        let started = try Trainer(config: config(.sasrec), dataset: old, options: .epochs(2))
        _ = try started.train { event in if case .epochEnd = event { return false }; return true }
        XCTAssertThrowsError(try started.warmStart(from: saved)) { XCTAssertTrue("\($0)".contains("already started"), "\($0)") }
    }
}
