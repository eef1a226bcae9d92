import XCTest
@testable import GSAU

/// Hold-out modes (docs/MODEL.md §2.2): exact split sizes on a small fixture, training without a
/// validation split, and models that keep and serve every user.
final class HoldOutTests: XCTestCase {
    /// Users a, b, c, d with 1, 2, 3 and 5 interactions (items i1…i5, in time order).
    private func data(_ holdOut: HoldOut) throws -> Dataset {
        var users: [String] = [], items: [String] = []
        for (user, n) in [("a", 1), ("b", 2), ("c", 3), ("d", 5)] {
            for k in 1...n { users.append(user); items.append("i\(k)") }
        }
        return try Dataset(userIDs: users, itemIDs: items, options: DatasetOptions(holdOut: holdOut))
    }

    func testSplitSizesPerMode() throws {
        let loo = try data(.leaveOneOut)
        XCTAssertEqual(loo.userCount, 2)                                  // a and b cannot be split
        XCTAssertEqual(loo.report.usersDroppedTooShort, 2)
        XCTAssertEqual(loo.report.rowsDroppedTooShort, 3)
        XCTAssertEqual(loo.trainInteractionCount, 1 + 3)
        XCTAssertEqual(loo.sequentialTrainExampleCount, 0 + 2)
        XCTAssertEqual(loo.evaluationUsers(.validation).count, 2)
        XCTAssertEqual(loo.evaluationUsers(.test).count, 2)

        let last = try data(.last)
        XCTAssertEqual(last.userCount, 4)
        XCTAssertEqual(last.report.usersDroppedTooShort, 0)
        XCTAssertEqual(last.trainInteractionCount, 1 + 1 + 2 + 4)
        XCTAssertEqual(last.sequentialTrainExampleCount, 0 + 0 + 1 + 3)
        XCTAssertEqual(last.evaluationUsers(.validation).map { last.users.tokens[Int($0)] }, ["b", "c", "d"])
        XCTAssertEqual(last.evaluationUsers(.test), [])
        let d = try XCTUnwrap(last.users.id(of: "d"))
        XCTAssertEqual(last.items.tokens[Int(last.target(ofUser: d, split: .validation))], "i5")
        XCTAssertEqual(Array(last.history(ofUser: d, split: .validation)).map { last.items.tokens[Int($0)] }, ["i1", "i2", "i3", "i4"])
        let a = try XCTUnwrap(last.users.id(of: "a"))
        XCTAssertFalse(last.hasTarget(ofUser: a, split: .validation))
        XCTAssertEqual(Array(last.trainItems(ofUser: a)).count, 1)       // a's only item trains

        let none = try data(.none)
        XCTAssertEqual(none.userCount, 4)
        XCTAssertEqual(none.trainInteractionCount, 11)
        XCTAssertEqual(none.sequentialTrainExampleCount, 0 + 1 + 2 + 4)
        XCTAssertEqual(none.evaluationUsers(.validation), [])
        XCTAssertThrowsError(try Evaluator(dataset: none).evaluate(PopularityModel(dataset: none), split: .validation, masking: .none))

        let streams = TrainingStreams(dataset: last, batchSize: 4, maxLength: 8)
        XCTAssertEqual(streams.graphRows, 8)
        XCTAssertEqual(streams.sequentialRows, 4)
    }

    private func config(_ variant: Variant) -> ModelConfig {
        var c = ModelConfig(variant: variant)
        c.useTinyFixtureSizes(); c.seed = 3
        return c
    }

    func testNoneTrainsTheGivenEpochsWithoutValidationAndServesEveryUser() throws {
        let tiny = try Dataset.load(path: TestFiles.fixture("tiny.txt"), options: DatasetOptions(holdOut: .none))
        var options = TrainingOptions()
        options.epochs = 3; options.patience = 0              // patience would stop a validated run early
        for variant in [Variant.gsauRec, .directau] {
            let (model, result) = try Trainer(config: config(variant), dataset: tiny, options: options).train()
            XCTAssertEqual(result.history.count, 3, "\(variant)")
            XCTAssertEqual(result.bestEpoch, 2)
            XCTAssertNil(result.test)
            XCTAssertTrue(result.history.allSatisfy { $0.validationScore.isNaN })
            XCTAssertEqual(model.dataset.holdOut, .none)
            // Saved and loaded, the hold-out survives (checkpoint format 3) and every user is served.
            let loaded = try GSAUModel.deserialize(try model.serialized(), source: "memory")
            XCTAssertEqual(loaded.dataset.holdOut, .none)
            let engine = try QueryEngine(model: loaded)
            for user in tiny.users.tokens.dropFirst() { XCTAssertEqual(try engine.recommend(user: user, count: 3).count, 3) }
        }
    }

    func testLastValidatesOnTheLastItemAndHasNoTestSplit() throws {
        var users: [String] = [], items: [String] = []
        let lines = try String(contentsOfFile: TestFiles.fixture("tiny.txt"), encoding: .utf8).split(separator: "\n")
        for line in lines {
            let tokens = line.split(separator: " ").map(String.init)
            for item in tokens.dropFirst() { users.append(tokens[0]); items.append(item) }
        }
        users.append("solo"); items.append("1")                             // one interaction: kept, trains, not validated
        let ds = try Dataset(userIDs: users, itemIDs: items, options: DatasetOptions(holdOut: .last))
        var options = TrainingOptions()
        options.epochs = 2
        let (model, result) = try Trainer(config: config(.sasrec), dataset: ds, options: options).train()
        XCTAssertNil(result.test)
        XCTAssertNotNil(result.bestValidation)
        XCTAssertEqual(try model.evaluate(split: .validation).userCount, 24)
        XCTAssertThrowsError(try model.evaluate(split: .test))
        XCTAssertEqual(try QueryEngine(model: model).recommend(user: "solo", count: 2).count, 2)
    }
}
