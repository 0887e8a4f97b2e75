import Foundation
import XCTest
@testable import Plasticity

/// Rule files: every shipped file loads; malformed files give one exact line naming the file,
/// the key and the valid choices; names resolve as path, configuration or implementation id.
final class RuleFileTests: XCTestCase {
    var directory: String!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "rule-file-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    @discardableResult
    func write(_ text: String, name: String = "bad", in dir: String? = nil) throws -> String {
        let path = ((dir ?? directory) as NSString).appendingPathComponent("\(name).toml")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    let header = "description = \"d\"\ncitation = \"c\"\n"
    /// The registered ids in registration order, as error messages list them.
    let ids = RuleRegistry.standard.ids.joined(separator: ", ")

    /// The shipped rule files' names (rules/*.toml), sorted.
    static func shippedNames() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: RuleLearningTests.rulesDirectory)
            .filter { $0.hasSuffix(".toml") }.map { String($0.dropLast(5)) }.sorted()
    }

    func testShippedRuleFilesLoad() throws {
        let library = try RuleLibrary(shipped: RuleLearningTests.rulesDirectory)
        XCTAssertEqual(library.configurations.map(\.name), try RuleFileTests.shippedNames())
        // Every registered implementation ships at least one rule file, and every file names a registered one.
        XCTAssertEqual(Set(library.configurations.map(\.implementation)), Set(RuleRegistry.standard.ids))
        let random = try library.resolve("eprop-random")
        XCTAssertEqual(random.implementation, "eprop")
        XCTAssertEqual(random.hyperparameters, ["feedback": 1])
        XCTAssertEqual(try library.resolve("tbptt-10").hyperparameters, ["truncation": 10])
        XCTAssertTrue(library.configurations.allSatisfy { !$0.description.isEmpty && !$0.citation.isEmpty && $0.optimizer.learningRate != nil })
        // Plain implementation ids resolve to their defaults; a path to a file loads that file.
        XCTAssertEqual(try library.resolve("rtrl").file, RuleLearningTests.rulesDirectory + "/rtrl.toml")
        XCTAssertNil(try library.resolve("tbptt").file)
        let own = try write("implementation = \"tbptt\"\n\(header)[hyperparameters]\ntruncation = 3\n", name: "tbptt-3")
        XCTAssertEqual(try library.resolve(own).hyperparameters, ["truncation": 3])
        XCTAssertEqual(try RuleLibrary(shipped: RuleLearningTests.rulesDirectory, userDirectories: [directory]).resolve("tbptt-3").name, "tbptt-3")
    }

    func assertError(_ text: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let path = try write(text)
        XCTAssertThrowsError(try RuleConfiguration.load(file: path), file: file, line: line) { error in
            XCTAssertTrue(error is InputError, file: file, line: line)
            XCTAssertEqual("\(error)", expected.replacingOccurrences(of: "FILE", with: path), file: file, line: line)
            XCTAssertFalse("\(error)".contains("\n"), "one line", file: file, line: line)
        }
    }

    func testMalformedRuleFilesGiveOneExactLine() throws {
        try assertError("implementation = \n", "FILE: malformed TOML at line 1: Error while parsing key-value pair: expected value, saw '\\n'")
        try assertError(header, "FILE: implementation: missing key; valid: \(ids)")
        try assertError("implementation = 3\n\(header)", "FILE: implementation: expected a string; valid: \(ids)")
        try assertError("implementation = \"eprop2\"\n\(header)", "FILE: implementation: unknown rule 'eprop2' (did you mean 'eprop'?); valid: \(ids)")
        try assertError("implementation = \"eprop\"\n\(header)learning-rate = 0.1\n",
                        "FILE: unknown key 'learning-rate'; valid: implementation, description, citation, hyperparameters, modifiers, optimizer")
        try assertError("implementation = \"eprop\"\ncitation = \"c\"\n", "FILE: description: missing key; valid: a one-line description")
        try assertError("implementation = \"eprop\"\n\(header)hyperparameters = 3\n",
                        "FILE: hyperparameters: expected a table; valid: [hyperparameters] with feedback, readout")
        try assertError("implementation = \"eprop\"\n\(header)[hyperparameters]\nsigma = 0.1\n",
                        "FILE: hyperparameters: unknown key 'sigma'; valid: feedback, readout")
        try assertError("implementation = \"rflo\"\n\(header)[hyperparameters]\nfeedback = \"random\"\n",
                        "FILE: hyperparameters: unknown key 'feedback'; valid: readout")
        try assertError("implementation = \"tbptt\"\n\(header)[hyperparameters]\ntruncation = \"ten\"\n",
                        "FILE: hyperparameters.truncation: expected a number; valid: 1...100000")
        try assertError("implementation = \"tbptt\"\n\(header)[hyperparameters]\ntruncation = 0\n",
                        "FILE: hyperparameters.truncation: value 0 out of range; valid: 1...100000")
        try assertError("implementation = \"tbptt\"\n\(header)[hyperparameters]\ntruncation = 2.5\n",
                        "FILE: hyperparameters.truncation: value 2.5 must be a whole number; valid: 1...100000")
        try assertError("implementation = \"eprop\"\n\(header)[hyperparameters]\nfeedback = \"transposed\"\n",
                        "FILE: hyperparameters.feedback: unknown choice 'transposed'; valid: symmetric, random")
        try assertError("implementation = \"eprop\"\n\(header)[hyperparameters]\nfeedback = 1\n",
                        "FILE: hyperparameters.feedback: expected a string; valid: symmetric, random")
        try assertError("implementation = \"bptt\"\n\(header)[optimizer]\nlr = 0.1\n",
                        "FILE: optimizer: unknown key 'lr'; valid: kind, learning-rate, momentum, nesterov, clip")
        try assertError("implementation = \"bptt\"\n\(header)[optimizer]\nkind = \"rmsprop\"\n",
                        "FILE: optimizer.kind: unknown optimizer 'rmsprop'; valid: adam, sgd")
        try assertError("implementation = \"bptt\"\n\(header)[optimizer]\nlearning-rate = 0\n",
                        "FILE: optimizer.learning-rate: value 0 out of range; valid: 0 < lr <= 10")
        try assertError("implementation = \"bptt\"\n\(header)[optimizer]\nmomentum = 1\n",
                        "FILE: optimizer.momentum: value 1 out of range; valid: 0 <= momentum < 1")
        try assertError("implementation = \"bptt\"\n\(header)[optimizer]\nnesterov = \"yes\"\n",
                        "FILE: optimizer.nesterov: expected true or false")
        try assertError("implementation = \"node-perturbation\"\n\(header)[hyperparameters]\nbaseline = \"median\"\n",
                        "FILE: hyperparameters.baseline: unknown choice 'median'; valid: clean, running-average")
    }

    func testMalformedModifiersGiveOneExactLine() throws {
        let rule = "implementation = \"bptt\"\n\(header)"
        try assertError("\(rule)modifiers = 3\n", "FILE: modifiers: expected an array of tables, e.g. [{ kind = \"tcr\", lambda = 0.3 }]")
        try assertError("\(rule)modifiers = [3]\n", "FILE: modifiers[0]: expected a table; valid: an array of tables, e.g. [{ kind = \"tcr\", lambda = 0.3 }]")
        try assertError("\(rule)modifiers = [{ kind = \"tcx\" }]\n", "FILE: modifiers: unknown modifier kind 'tcx' (did you mean 'tcr'?); valid: tcr, stp")
        try assertError("\(rule)modifiers = [{ lambda = 0.3 }]\n", "FILE: modifiers: missing kind; valid: tcr, stp")
        try assertError("\(rule)modifiers = [{ kind = \"tcr\", lamda = 0.3 }]\n",
                        "FILE: modifiers: tcr: unknown parameter 'lamda' (did you mean 'lambda'?); valid: \(TCRConfig.settings.map(\.name).joined(separator: ", "))")
        try assertError("\(rule)modifiers = [{ kind = \"tcr\", schedule = \"warm\" }]\n",
                        "FILE: modifiers: tcr: unknown schedule 'warm'; valid: constant, freeze-in, plateau")
        try assertError("\(rule)modifiers = [{ kind = \"tcr\", lambda = -1 }]\n", "FILE: modifiers: tcr: lambda: value -1 out of range; valid: 0.0...100.0")
        try assertError("\(rule)modifiers = [{ kind = \"tcr\", lambda = true }]\n", "FILE: modifiers[0].lambda: expected a number or a string")
        try assertError("\(rule)modifiers = [{ kind = \"stp\", eta = \"fast\" }]\n", "FILE: modifiers: stp: eta: 'fast' is not a number")
        try assertError("\(rule)modifiers = [{ kind = \"tcr\" }, { kind = \"stp\" }, { kind = \"tcr\", lambda = 1 }]\n",
                        "FILE: modifiers: a second 'tcr' modifier; valid: at most one of each kind (tcr, stp)")
    }

    func testRuleFileModifiersLoadAndCombineWithTheRunSpecs() throws {
        let path = try write(
            "implementation = \"eprop\"\n\(header)modifiers = [{ kind = \"tcr\", lambda = 0.5, schedule = \"freeze-in\" }, { kind = \"stp\", eta = 0.1 }]\n",
            name: "eprop-tcr")
        let configuration = try RuleConfiguration.load(file: path)
        var tcr = TCRConfig(lambda: 0.5, schedule: .freezeIn)
        tcr.freezeUntil = 5_000
        XCTAssertEqual(configuration.modifiers, [.tcr(tcr), .shortTermPlasticity(ShortTermPlasticityConfig(eta: 0.1))])
        XCTAssertEqual(try JSONDecoder().decode(RuleConfiguration.self, from: try JSONEncoder().encode(configuration)), configuration)
        var spec = RunSpec(task: "flipflop3")
        spec.rule = path
        XCTAssertNoThrow(try spec.validate())
        spec.modifiers = [.tcr(TCRConfig(lambda: 1))]
        XCTAssertThrowsError(try spec.validate()) {
            XCTAssertEqual("\($0)", "\(path): modifiers: a second 'tcr' modifier; valid: at most one of each kind (tcr, stp)")
        }
        // Short-term plasticity runs on every local model (the fast weights are a drive on top of W).
        spec.rule = "bptt"
        spec.modifiers = [.shortTermPlasticity(ShortTermPlasticityConfig(eta: 0.1))]
        for kind in ModelKind.local {
            spec.model.kind = kind
            XCTAssertNoThrow(try spec.validate(), "\(kind)")
        }
    }

    func testLibraryErrors() throws {
        let other = directory + "/other"
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        let first = try write("implementation = \"bptt\"\n\(header)", name: "mine")
        let second = try write("implementation = \"rtrl\"\n\(header)", name: "mine", in: other)
        XCTAssertThrowsError(try RuleLibrary(shipped: nil, userDirectories: [directory, other])) {
            XCTAssertEqual("\($0)", "\(second): duplicate rule configuration 'mine', also in \(first); valid: one file per name")
        }
        XCTAssertThrowsError(try RuleLibrary(shipped: nil, userDirectories: [directory + "/missing"])) {
            XCTAssertEqual("\($0)", "rules-dir: no such directory '\(directory!)/missing'; valid: a directory of rule files (.toml)")
        }
        let library = try RuleLibrary(shipped: nil)
        XCTAssertThrowsError(try library.resolve("eprop-sym")) {
            XCTAssertEqual("\($0)", "unknown rule 'eprop-sym'; valid: \(RuleRegistry.standard.ids.sorted().joined(separator: ", ")), a path to a .toml rule file")
        }
        XCTAssertThrowsError(try library.resolve(directory + "/none.toml")) {
            XCTAssertEqual("\($0)", "\(directory!)/none.toml: no such file; valid: a rule file (.toml), see `plasticity rules`")
        }
        let eprop = try library.resolve("eprop")
        XCTAssertEqual(try library.parseSettings(["feedback=random"], for: eprop), ["feedback": 1])
        XCTAssertThrowsError(try library.parseSettings(["feedback=transposed"], for: eprop)) {
            XCTAssertEqual("\($0)", "--rule-param feedback: unknown choice 'transposed'; valid: symmetric, random")
        }
        XCTAssertThrowsError(try library.parseSettings(["sigma=1"], for: eprop)) {
            XCTAssertEqual("\($0)", "--rule-param (rule eprop): unknown parameter 'sigma'; valid: feedback, readout")
        }
        // Overrides are range-checked when the rule is built.
        var spec = RunSpec(task: "flipflop3")
        spec.rule = "tbptt"
        spec.ruleSettings = ["truncation": 0]
        XCTAssertThrowsError(try spec.validate()) {
            XCTAssertEqual("\($0)", "rule tbptt: truncation: value 0 out of range; valid: 1...100000")
        }
    }

    func testRegistryRejectsDuplicatesAndAnswersUnknownIds() throws {
        XCTAssertEqual(Set(RuleRegistry.standard.ids).count, RuleRegistry.standard.ids.count, "ids are unique")
        XCTAssertThrowsError(try RuleRegistry.standard.type("sgd")) {
            XCTAssertEqual("\($0)", "unknown rule 'sgd'; valid: \(ids)")
        }
        for type in RuleRegistry.standard.types {
            XCTAssertFalse(type.cost.isEmpty)
            XCTAssertFalse(type.citation.isEmpty)
            for spec in type.hyperparameters { XCTAssertTrue(spec.range.contains(spec.defaultValue), "\(type.id).\(spec.name)") }
        }
    }

    func testRunSpecStoredWithoutNewKeysStillDecodes() throws {
        let old = #"{"task":"flipflop3","taskParameters":{},"rule":"bptt","ruleSettings":{},"model":\#(String(decoding: try JSONEncoder().encode(ModelSpec()), as: UTF8.self)),"training":\#(String(decoding: try JSONEncoder().encode(TrainingConfig()), as: UTF8.self)),"seed":4}"#
        let spec = try JSONDecoder().decode(RunSpec.self, from: Data(old.utf8))
        XCTAssertEqual(spec.seed, 4)
        XCTAssertEqual(spec.rulesDirectories, [])
        var roundTrip = spec
        roundTrip.rulesDirectories = ["x"]
        roundTrip.optimizerOverrides.clipNorm = 2
        XCTAssertEqual(spec.modifiers, [])
        roundTrip.modifiers = [.tcr(TCRConfig(lambda: 0.3, schedule: .plateau)), .shortTermPlasticity(ShortTermPlasticityConfig(eta: 0.02, tauF: 5))]
        XCTAssertEqual(try JSONDecoder().decode(RunSpec.self, from: try JSONEncoder().encode(roundTrip)), roundTrip)
    }
}
