import Foundation
import XCTest

/// The CLI's rough edges, each with its exact output: did-you-mean, negative numbers, --version,
/// settings that do not apply, budgets in whole batches, ablate/perturb on one evaluation set,
/// compare's options and results file, run's closing table, and the changed-protocol refusal.
final class OutputsCommandTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("plasticity-outputs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func write(_ text: String, to name: String) throws {
        try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    func testDidYouMeanForCommandsAndOptions() throws {
        try assertInputErrorSnapshot(["trian", "--task", "n-parity"], named: "error-did-you-mean-command")
        try assertInputErrorSnapshot(["protocols", "shwo", "quickstart"], named: "error-did-you-mean-subcommand")
        try assertInputErrorSnapshot(["train", "--tsk", "n-parity"], named: "error-did-you-mean-option")
        try assertInputErrorSnapshot(["train", "--task", "n-party"], named: "error-did-you-mean-task")
    }

    func testNegativeNumbersReachTheRangeCheck() throws {
        try assertInputErrorSnapshot(["train", "--task", "flipflop3", "--hidden", "-5"], named: "error-negative-hidden")
        try assertInputErrorSnapshot(["train", "--task", "flipflop3", "--max-trials", "-100"], named: "error-negative-max-trials")
    }

    func testVersion() throws {
        let r = try assertSnapshot(["--version"], named: "version")
        XCTAssertEqual(r.status, 0)
    }

    func testSettingsThatDoNotApplyAreErrors() throws {
        try assertInputErrorSnapshot(["train", "--task", "flipflop3", "--model", "plrnn", "--activation", "tanh"], named: "error-activation-plrnn")
        try assertInputErrorSnapshot(["train", "--task", "flipflop3", "--model", "gru", "--gain", "2"], named: "error-gain-gru")
        try assertInputErrorSnapshot(["train", "--task", "flipflop3", "--momentum", "0.9"], named: "error-momentum-adam")
    }

    /// Not a snapshot (the last line holds the wall time): the rounding is said where the budget is.
    func testBudgetRoundedUpToWholeBatchesIsAnnounced() throws {
        let r = try CLI.run(["train", "--task", "flipflop3", "--task-param", "T=10", "--hidden", "4", "--max-trials", "40", "--batch", "16",
                             "--validation", "16", "--criterion", "0.999", "--seed", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[1], "trials to criterion (validation accuracy >= 0.999): not reached within 48 trials (censored; the budget of 40 rounded up to whole batches of 16)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("settings: optimizer adam, lr 0.003, clip 2; batch 16, budget 40 trials (rounded up to 48, whole batches)") }, r.stdout)
        XCTAssertTrue(lines.contains("settings: task flipflop3 T=10 p=0.05"), r.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("settings: model leaky N=4, activation ") }, r.stdout)
    }

    /// ablate and perturb evaluate on one set (same level-0 accuracy) and both warn when the saved
    /// network never reached its criterion.
    func testAblateAndPerturbShareTheEvaluationSetAndWarn() throws {
        let train = try CLI.run(
            ["train", "--task", "flipflop3", "--task-param", "T=10", "--hidden", "6", "--max-trials", "32", "--batch", "16", "--criterion", "0.999",
             "--seed", "1", "--save", "net.json"], in: directory)
        XCTAssertEqual(train.status, 0, train.stderr)
        let ablate = try CLI.run(["ablate", "net.json", "--fractions", "0,0.5", "--draws", "1", "--trials", "64", "--json"], in: directory)
        let perturb = try CLI.run(["perturb", "net.json", "--weights", "0,1", "--state", "", "--tau", "", "--draws", "1", "--trials", "64", "--json"], in: directory)
        for r in [ablate, perturb] {
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(
                r.stderr,
                "warning: net.json: the saved network never reached its criterion (validation accuracy >= 0.999); training used its budget, so these curves describe a network that did not learn the task\n")
        }
        func levelZero(_ text: String) throws -> Double {
            let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
            let curves = try XCTUnwrap((object as? [[String: Any]]) ?? ((object as? [String: Any])?["curves"] as? [[String: Any]]), text)
            return try XCTUnwrap((curves.first?["accuracy"] as? [Double])?.first, text)
        }
        XCTAssertEqual(try levelZero(ablate.stdout), try levelZero(perturb.stdout))
    }

    func testCompareTakesSeedListsRuleParametersAndPrintsJSON() throws {
        let args = ["compare", "--rules", "bptt,eprop-random", "--task", "flipflop3", "--task-param", "T=6", "--hidden", "4", "--seeds", "2,5",
                    "--max-trials", "32", "--batch", "16", "--rule-param", "eprop-random:feedback=symmetric", "--workers", "1"]
        let text = try CLI.run(args + ["--db", "c.sqlite"], in: directory)
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.hasSuffix("\nresults: c.sqlite\n"), text.stdout)
        let json = try CLI.run(args + ["--json"], in: directory)
        XCTAssertEqual(json.status, 0, json.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertTrue(object["results_file"] is NSNull)
        let group = try XCTUnwrap((object["groups"] as? [[String: Any]])?.first)
        XCTAssertEqual(group["condition"] as? String, "default")
        let rules = try XCTUnwrap(group["rules"] as? [[String: Any]])
        XCTAssertEqual(rules.map { $0["rule"] as? String }, ["bptt", "eprop-random"])
        XCTAssertEqual(rules[0]["seeds"] as? [Int], [2, 5])
        let settings = try XCTUnwrap(rules[1]["settings"] as? [String: Any])
        XCTAssertEqual((settings["rule_settings"] as? [String: Any])?["feedback"] as? String, "symmetric")
    }

    func testRunPrintsATableAndTheRefusalNamesTheChangedKeys() throws {
        func protocolText(maxTrials: Int) -> String {
            """
            name = "mini"
            rules = ["bptt"]
            tasks = ["flipflop3"]
            seeds = 2
            [task-parameters]
            T = 6
            [model]
            hidden = 4
            [training]
            batch = 16
            max-trials = \(maxTrials)
            validation-size = 16
            """
        }
        try write(protocolText(maxTrials: 32), to: "mini.toml")
        let r = try CLI.run(["run", "mini.toml", "--db", "mini.sqlite", "--workers", "1"], in: directory)
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertTrue(lines.contains("flipflop3 (protocol mini)"), r.stdout)
        XCTAssertTrue(lines.contains("| rule | seeds | reached | trials to criterion | final accuracy |"), r.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("| bptt | 2 | ") }, r.stdout)
        XCTAssertEqual(lines.last(where: { !$0.isEmpty }), "full tables: plasticity report mini.sqlite --out DIR")
        try write(protocolText(maxTrials: 48), to: "mini.toml")
        try assertInputErrorSnapshot(["run", "mini.toml", "--db", "mini.sqlite", "--workers", "1"], named: "error-run-changed-protocol", in: directory)
    }

    func testProtocolFileMessages() throws {
        try write("""
            rules = ["bptt"]
            tasks = ["n-parity", "flipflop3"]
            [task-parameters]
            T = 50
            """, to: "shared.toml")
        try assertInputErrorSnapshot(["run", "shared.toml", "--db", "x.sqlite"], named: "error-protocol-shared-task-parameter", in: directory)
        try write("""
            rules = ["eprop-random"]
            tasks = ["flipflop3"]
            [rule-settings.eprop-random]
            feedback = "sideways"
            """, to: "choice.toml")
        try assertInputErrorSnapshot(["run", "choice.toml", "--db", "x.sqlite"], named: "error-protocol-rule-setting-choice", in: directory)
        try write("""
            rules = ["eprop-random"]
            tasks = ["flipflop3"]
            [rule-settings]
            feedback = "random"
            """, to: "flat.toml")
        try assertInputErrorSnapshot(["run", "flat.toml", "--db", "x.sqlite"], named: "error-protocol-rule-setting-outside-a-rule", in: directory)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("x.sqlite").path), "nothing written")
    }
}
