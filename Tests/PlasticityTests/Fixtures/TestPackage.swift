import Foundation

/// The package checkout the tests run in: rules/, protocols/, README.md and docs/ are read from it.
enum TestPackage {
    /// Tests/PlasticityTests/Fixtures/TestPackage.swift → the package root.
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func url(_ relativePath: String) -> URL { directory.appendingPathComponent(relativePath) }
}
