import Foundation
import XCTest

/// Paths and temporary files for tests.
enum TestFiles {
    /// The repository root (tests read the shipped data under `data/`).
    static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func data(_ name: String) -> String { repoRoot.appendingPathComponent("data/\(name)").path }

    static func fixture(_ name: String) -> String {
        repoRoot.appendingPathComponent("Tests/GSAUTests/Fixtures/parity/\(name)").path
    }

    /// Loads a parity fixture JSON as a dictionary.
    static func fixtureJSON(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixture(name)))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    /// A fresh temporary path with the given suffix where no file exists yet (e.g. for a training
    /// state, which a new run refuses to overwrite).
    static func unusedPath(suffix: String) throws -> String {
        let path = try temporary("", suffix: suffix)
        try FileManager.default.removeItem(atPath: path)
        return path
    }

    /// Writes `text` to a fresh temporary file with the given suffix and returns its path.
    static func temporary(_ text: String, suffix: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gsau-tests-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent("\(UUID().uuidString)\(suffix)")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }
}

extension XCTestCase {
    /// A fresh empty folder under the system's temporary directory, removed after the test.
    func temporaryFolder() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gsau-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url.path
    }
}
