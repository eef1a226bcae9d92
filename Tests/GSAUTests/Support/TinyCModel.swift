import XCTest
@testable import GSAUCAPI
import GSAUHeader

// Models trained on the 24-user fixture through the C API, as a C caller would.

/// tiny.txt through the C loader; the caller frees it.
func loadTinyCDataset(file: StaticString = #filePath, line: UInt = #line) -> OpaquePointer? {
    var ds: OpaquePointer? = nil
    XCTAssertEqual(gsau_dataset_load(&ds, TestFiles.fixture("tiny.txt"), nil), GSAU_OK, file: file, line: line)
    return ds
}

/// The default config with the tiny fixture's sizes.
func tinyCConfig(epochs: Int32) -> gsau_config {
    var cfg = gsau_config()
    gsau_config_default(&cfg)
    cfg.useTinyFixtureSizes(); cfg.epochs = epochs
    return cfg
}

/// gsau_train of `variant` on tiny.txt for `epochs` with `configure` applied to the config: its
/// status and the model (nil unless GSAU_OK; the caller frees it).
func trainTinyC(variant: String = "gsau-rec", epochs: Int32 = 1, configure: (inout gsau_config) -> Void = { _ in },
                file: StaticString = #filePath, line: UInt = #line) -> (gsau_status, OpaquePointer?) {
    let ds = loadTinyCDataset(file: file, line: line)
    defer { gsau_dataset_free(ds) }
    var cfg = tinyCConfig(epochs: epochs)
    configure(&cfg)
    var model: OpaquePointer? = nil
    let status = variant.withCString { name -> gsau_status in
        cfg.variant = name
        return gsau_train(&model, ds, &cfg, nil, nil)
    }
    return (status, model)
}

/// A model of `variant` trained `epochs` on tiny.txt with `configure` applied to the config; the
/// caller frees it.
func trainTinyCModel(variant: String = "gsau-rec", epochs: Int32 = 1, configure: (inout gsau_config) -> Void = { _ in },
                     file: StaticString = #filePath, line: UInt = #line) throws -> OpaquePointer {
    let (status, model) = trainTinyC(variant: variant, epochs: epochs, configure: configure, file: file, line: line)
    XCTAssertEqual(status, GSAU_OK, String(cString: gsau_last_error_message()), file: file, line: line)
    return try XCTUnwrap(model, file: file, line: line)
}

/// gsau_train refuses the configuration: GSAU_E_INVALID_ARGUMENT, no model, and the message names `field`.
func assertTinyCTrainingRefused(variant: String, naming field: String, configure: (inout gsau_config) -> Void,
                                file: StaticString = #filePath, line: UInt = #line) {
    let (status, model) = trainTinyC(variant: variant, configure: configure, file: file, line: line)
    let message = String(cString: gsau_last_error_message())
    XCTAssertEqual(status, GSAU_E_INVALID_ARGUMENT, "\(variant): \(message)", file: file, line: line)
    XCTAssertNil(model, file: file, line: line)
    XCTAssertTrue(message.contains(field), message, file: file, line: line)
    gsau_model_free(model)
}

/// The configuration a model handle reports (gsau_model_config_get with the current struct).
func cModelConfig(_ m: OpaquePointer?, file: StaticString = #filePath, line: UInt = #line) -> gsau_config {
    var cfg = gsau_config()
    cfg.struct_size = UInt32(MemoryLayout<gsau_config>.size)
    XCTAssertEqual(gsau_model_config_get(m, &cfg), GSAU_OK, file: file, line: line)
    return cfg
}

/// A caller built against the header before `field` was appended (struct_size ends where the field
/// begins) trains with the field's default: the library never reads `unread`, left beyond the
/// caller's struct, and gsau_model_config_get never writes there.
func assertCallersOfThePreviousHeaderGetTheDefault<V: Equatable>(_ field: WritableKeyPath<gsau_config, V>, unread: V,
                                                                 file: StaticString = #filePath, line: UInt = #line) throws {
    var defaults = gsau_config()
    gsau_config_default(&defaults)
    let previousSize = try XCTUnwrap(MemoryLayout<gsau_config>.offset(of: field), file: file, line: line)
    let model = try trainTinyCModel(configure: { cfg in
        cfg.struct_size = UInt32(previousSize)
        cfg[keyPath: field] = unread
    }, file: file, line: line)
    defer { gsau_model_free(model) }
    XCTAssertEqual(cModelConfig(model, file: file, line: line)[keyPath: field], defaults[keyPath: field], file: file, line: line)
    var old = gsau_config()
    old.struct_size = UInt32(previousSize)
    old[keyPath: field] = unread
    XCTAssertEqual(gsau_model_config_get(model, &old), GSAU_OK, file: file, line: line)
    XCTAssertEqual(old[keyPath: field], unread, "never written", file: file, line: line)
}
