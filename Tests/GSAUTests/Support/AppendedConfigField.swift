import XCTest
@testable import GSAU

/// A configuration field that a checkpoint format appended: a tiny GSAU(rec) model trained with
/// `field` set to `value` keeps it through save and load and its JSON result names it (`json`,
/// e.g. `"logit_scale": 2.5`); the same model written in `previousFormat`, which lacks the field,
/// loads with the field's default and the same parameters.
func assertCheckpointKeepsAppendedField<V: Equatable>(_ field: WritableKeyPath<ModelConfig, V>, _ value: V, json: String,
                                                      previousFormat: UInt32,
                                                      file: StaticString = #filePath, line: UInt = #line) throws {
    var c = ModelConfig(variant: .gsauRec)
    let defaultValue = c[keyPath: field]
    c.useTinyFixtureSizes(); c[keyPath: field] = value
    let ds = try Dataset.load(path: TestFiles.fixture("tiny.txt"))
    let (model, result) = try Trainer(config: c, dataset: ds, options: .epochs(1)).train()
    let path = try TestFiles.temporary("", suffix: ".gsau")
    try model.save(to: path)
    let loaded = try GSAUModel.load(from: path)
    XCTAssertEqual(loaded.config[keyPath: field], value, file: file, line: line)
    XCTAssertEqual(loaded.parameters, model.parameters, file: file, line: line)
    XCTAssertTrue(result.json.serialized().contains(json), "the JSON result names it", file: file, line: line)
    var contents = Checkpoint.Contents(model: model)
    contents.version = previousFormat
    let older = try GSAUModel.deserialize(try contents.encoded(), source: "v\(previousFormat).gsau")
    XCTAssertEqual(older.config[keyPath: field], defaultValue, file: file, line: line)
    XCTAssertEqual(older.parameters, model.parameters, file: file, line: line)
}
