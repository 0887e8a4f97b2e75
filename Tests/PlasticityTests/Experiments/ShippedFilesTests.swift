import Foundation
import XCTest
@testable import Plasticity

/// The rule and protocol files compiled into the binary are the repository's rules/ and protocols/
/// (so a name means the same everywhere), and the user's own files win over them.
final class ShippedFilesTests: XCTestCase {
    static let packageDirectory = TestPackage.directory

    var directory: String!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "shipped-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    func folder(_ name: String) throws -> [String: String] {
        let dir = ShippedFilesTests.packageDirectory.appendingPathComponent(name)
        var files: [String: String] = [:]
        for entry in try FileManager.default.contentsOfDirectory(atPath: dir.path) where entry.hasSuffix(".toml") {
            files["\(name)/\(entry)"] = try String(contentsOf: dir.appendingPathComponent(entry), encoding: .utf8)
        }
        return files
    }

    func testGeneratedFileEqualsTheRulesAndProtocolsFolders() throws {
        for (name, shipped) in [("rules", ShippedFiles.rules), ("protocols", ShippedFiles.protocols)] {
            let files = try folder(name)
            let stale = "Sources/PlasticityShipped/ShippedFiles.swift is out of date with \(name)/: run `make shipped-files`"
            XCTAssertEqual(Set(shipped.map(\.path)), Set(files.keys), stale)
            for entry in shipped { XCTAssertEqual(entry.text, files[entry.path], "\(entry.path): \(stale)") }
            XCTAssertEqual(shipped.map(\.path), shipped.map(\.path).sorted())
        }
    }

    func testShippedRulesNeedNoFolderAndMatchTheRepositorysFiles() throws {
        let embedded = try RuleLibrary(environment: [:])
        let fromFolder = try RuleLibrary(shipped: ShippedFilesTests.packageDirectory.appendingPathComponent("rules").path)
        XCTAssertEqual(embedded.configurations.map(\.name), fromFolder.configurations.map(\.name))
        for (a, b) in zip(embedded.configurations, fromFolder.configurations) {
            var (x, y) = (a, b)
            (x.file, y.file) = (nil, nil)
            XCTAssertEqual(x, y)
            XCTAssertEqual(RuleLibrary.source(of: a), "shipped")
            XCTAssertEqual(a.file, "shipped:rules/\(a.name).toml")
        }
        let bptt = try embedded.resolve("bptt")
        XCTAssertEqual(bptt.optimizer, OptimizerSettings(kind: .adam, learningRate: 0.003, clipNorm: 2))
        // The cell key ignores where a configuration came from: stored results stay valid.
        var spec = RunSpec(task: "flipflop3")
        spec.rule = "bptt"
        let key = { (rule: RuleConfiguration) in ExperimentCell(protocolName: "p", condition: "", spec: spec, analyses: AnalysisPlan(), resolvedRule: rule).key }
        XCTAssertEqual(key(bptt), key(try fromFolder.resolve("bptt")))
    }

    func testUserFilesWinOverShippedOnesAndTheEnvironmentDirectoryIsRead() throws {
        let text = "implementation = \"bptt\"\ndescription = \"mine\"\ncitation = \"c\"\n[optimizer]\nlearning-rate = 0.5\n"
        try text.write(toFile: directory + "/bptt.toml", atomically: true, encoding: .utf8)
        let library = try RuleLibrary(userDirectories: [directory], environment: [:])
        XCTAssertEqual(try library.resolve("bptt").optimizer.learningRate, 0.5)
        XCTAssertEqual(library.overridden, ["bptt"])
        XCTAssertEqual(RuleLibrary.source(of: try library.resolve("bptt")), directory + "/bptt.toml")
        XCTAssertEqual(try library.resolve("rflo").file, "shipped:rules/rflo.toml")
        XCTAssertTrue(RuleCatalog.text(library).contains("  from:  \(directory!)/bptt.toml (instead of the shipped bptt)"))
        let viaEnvironment = try RuleLibrary(environment: [RuleLibrary.environmentVariable: directory])
        XCTAssertEqual(try viaEnvironment.resolve("bptt").description, "mine")
        XCTAssertThrowsError(try RuleLibrary(environment: [RuleLibrary.environmentVariable: directory + "/none"])) {
            XCTAssertEqual("\($0)", "PLASTICITY_RULES_DIR: no such directory '\(self.directory!)/none'; valid: a directory of rule files (.toml)")
        }
    }

    func testProtocolsByNameOrPath() throws {
        XCTAssertTrue(ProtocolLibrary.names.contains("quickstart"))
        let shipped = try ProtocolLibrary.load("quickstart")
        XCTAssertEqual(shipped.experiment.name, "quickstart")
        XCTAssertEqual(shipped.source, "shipped")
        XCTAssertEqual(shipped.fileName, "quickstart.toml")
        XCTAssertTrue(try ProtocolLibrary.listing().contains("\nquickstart "))
        XCTAssertThrowsError(try ProtocolLibrary.load("quickstrat")) {
            XCTAssertEqual("\($0)", "unknown protocol 'quickstrat' (did you mean 'quickstart'?); valid: \(ProtocolLibrary.names.joined(separator: ", ")), a path to a protocol file (.toml)")
        }
        XCTAssertThrowsError(try ProtocolLibrary.load(directory + "/none.toml")) {
            XCTAssertTrue("\($0)".hasPrefix("\(self.directory!)/none.toml: no such file; valid: a protocol file, or a shipped protocol name (ablation, "), "\($0)")
        }
        // Written out as a starting point, it loads from its path as the same protocol; never overwritten.
        let copy = directory + "/mine/quickstart.toml"
        try ProtocolLibrary.write("quickstart", to: copy)
        let loaded = try ProtocolLibrary.load(copy)
        XCTAssertEqual(loaded.experiment, shipped.experiment)
        XCTAssertEqual(loaded.source, copy)
        XCTAssertThrowsError(try ProtocolLibrary.write("quickstart", to: copy)) {
            XCTAssertEqual("\($0)", "\(copy): already exists; valid: a new file name (--out FILE)")
        }
    }
}
