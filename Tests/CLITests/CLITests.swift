import Foundation
import XCTest

/// The built `plasticity` binary as a user runs it: help, exact error lines and exit status
/// (snapshots in Snapshots/), and the shape of outputs that hold timings.
final class CLITests: XCTestCase {
    /// The subcommand names listed in a help text's SUBCOMMANDS section.
    func subcommands(inHelp help: String) -> [String] {
        guard let section = help.components(separatedBy: "SUBCOMMANDS:\n").dropFirst().first else { return [] }
        var names: [String] = []
        for line in section.components(separatedBy: "\n") {
            if line.isEmpty || !line.hasPrefix("  ") { break }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            // Entries are indented by two; their wrapped descriptions further.
            if line.hasPrefix("  ") && !line.hasPrefix("   "), let name = trimmed.split(separator: " ").first { names.append(String(name)) }
        }
        return names
    }

    func testHelpOfTheRootAndEverySubcommand() throws {
        let root = try assertSnapshot(["--help"], named: "help")
        XCTAssertEqual(root.status, 0)
        let commands = subcommands(inHelp: root.stdout)
        XCTAssertTrue(commands.contains("train") && commands.contains("compare"), root.stdout)
        var pending = commands.filter { $0 != "help" }.map { [$0] }
        while !pending.isEmpty {
            let path = pending.removeFirst()
            let r = try assertSnapshot(path + ["--help"], named: "help-" + path.joined(separator: "-"))
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.stderr, "")
            pending += subcommands(inHelp: r.stdout).filter { $0 != "help" }.map { path + [$0] }
        }
    }

    func testUnknownTaskNamesTheValidTasks() throws {
        try assertInputErrorSnapshot(["train", "--task", "nope"], named: "error-unknown-task")
    }

    func testUnknownRuleNamesTheValidRules() throws {
        try assertInputErrorSnapshot(["train", "--task", "flipflop3", "--rule", "nope"], named: "error-unknown-rule")
    }

    func testBadTaskParameters() throws {
        try assertInputErrorSnapshot(["train", "--task", "flipflop3", "--task-param", "Q=3"], named: "error-task-param-unknown")
        try assertInputErrorSnapshot(["train", "--task", "flipflop3", "--task-param", "T=1"], named: "error-task-param-range")
        try assertInputErrorSnapshot(["train", "--task", "flipflop3", "--task-param", "T"], named: "error-task-param-syntax")
        try assertInputErrorSnapshot(["train", "--task", "flipflop3", "--task-param", "T=abc"], named: "error-task-param-number")
    }

    func testBadEnumOptionsNameTheOptionAndTheChoices() throws {
        try assertInputErrorSnapshot(["train", "--task", "flipflop3", "--activation", "cubic"], named: "error-activation")
        try assertInputErrorSnapshot(["train", "--task", "flipflop3", "--model", "gur"], named: "error-model")
        try assertInputErrorSnapshot(["train", "--task", "flipflop3", "--tcr-schedule", "warm"], named: "error-tcr-schedule")
        try assertInputErrorSnapshot(["ablate", "net.json", "--order", "size"], named: "error-ablation-order")
        try assertInputErrorSnapshot(["bench", "--hidden", "64,x"], named: "error-bench-hidden")
    }

    func testBadOutputDirectoryLeavesNothingBehind() throws {
        // A fixed absolute path, so the message (which names the directory) is the same everywhere.
        let missing = "/nonexistent-plasticity-directory"
        XCTAssertFalse(FileManager.default.fileExists(atPath: missing))
        try assertInputErrorSnapshot(
            ["grad", "--task", "flipflop3", "--hidden", "4", "--batch", "2", "--out", missing + "/g.json"], named: "error-grad-out-directory")
        XCTAssertFalse(FileManager.default.fileExists(atPath: missing))
    }

    func testTrainJSONIsDeterministicAndComplete() throws {
        let args = ["train", "--task", "flipflop3", "--task-param", "T=20", "--hidden", "8", "--max-trials", "64",
                    "--batch", "16", "--eval-every", "32", "--validation", "32", "--seed", "4", "--json"]
        let a = try CLI.run(args), b = try CLI.run(args)
        XCTAssertEqual(a.status, 0, a.stderr)
        XCTAssertEqual(a.stderr, "", "no progress bar when stderr is not a terminal")
        func fields(_ text: String) throws -> [String: Any] {
            var object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            object["wall_seconds"] = nil
            return object
        }
        let fa = try fields(a.stdout), fb = try fields(b.stdout)
        XCTAssertEqual(NSDictionary(dictionary: fa), NSDictionary(dictionary: fb))
        XCTAssertEqual(fa["trials_trained"] as? Int, 64)
        XCTAssertTrue(fa["trials_to_criterion"] is NSNull, "censored: an explicit null")
        XCTAssertEqual((fa["curve"] as? [Any])?.count, 3)
        XCTAssertEqual((fa["settings"] as? [String: Any])?["batch_size"] as? Int, 16)
        XCTAssertEqual(fa["task"] as? String, "flipflop3")
        XCTAssertEqual(fa["status"] as? String, "budget")
    }

    /// Not a snapshot: the last line holds the wall time.
    func testTrainTextOutput() throws {
        let r = try CLI.run(["train", "--task", "flipflop3", "--task-param", "T=20", "--hidden", "8", "--max-trials", "32",
                             "--batch", "16", "--eval-every", "32", "--validation", "32", "--seed", "4", "--criterion", "0.99"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 10, r.stdout)
        XCTAssertEqual(lines[0], "task flipflop3, rule bptt, model leaky N=8, seed 4")
        XCTAssertEqual(lines[1], "trials to criterion (validation accuracy >= 0.99): not reached within 32 trials (censored)")
        XCTAssertTrue(lines[2].hasPrefix("final validation accuracy "), lines[2])
        XCTAssertTrue(lines[2].contains("× the trivial baseline "), lines[2])
        XCTAssertTrue(lines[3].hasPrefix("plateau: "), lines[3])
        XCTAssertEqual(lines[4], "rule from shipped; optimizer adam, lr 0.003, clip 2; readout by the delta rule")
        XCTAssertEqual(Array(lines[5...8]), [
            "settings: task flipflop3 T=20 p=0.05",
            "settings: model leaky N=8, activation tanh, initialization gain, gain 1.5, tau 1...2 trained",
            "settings: rule bptt (bptt) readout=delta; modifiers none",
            "settings: optimizer adam, lr 0.003, clip 2; batch 16, budget 32 trials, evaluation every 32 on 32 validation trials, criterion accuracy >= 0.99",
        ])
        XCTAssertTrue(lines[9].hasPrefix("trained 32 trials in "), lines[9])
    }

    func testTrainRunsTheGatedModels() throws {
        for model in ["gru", "lstm"] {
            let r = try CLI.run(["train", "--task", "flipflop3", "--task-param", "T=20", "--model", model, "--hidden", "8", "--max-trials", "32",
                                 "--batch", "16", "--eval-every", "32", "--validation", "32", "--seed", "4", "--criterion", "0.99"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let lines = r.stdout.split(separator: "\n").map(String.init)
            XCTAssertEqual(lines.first, "task flipflop3, rule bptt, model \(model) N=8, seed 4")
            XCTAssertTrue(lines.count == 10 && lines[2].hasPrefix("final validation accuracy "), r.stdout)
            XCTAssertEqual(lines[6], "settings: model \(model) N=8, activation tanh")
            XCTAssertEqual(lines[4], "rule from shipped; optimizer adam, lr 0.003, clip 2; readout by the delta rule")
        }
        // Not snapshots: which rules run on which model is in flux; the line must name the pair and the valid models.
        for (arguments, prefix) in [
            (["train", "--task", "flipflop3", "--model", "lstm", "--rule", "rflo"], "error: "),
            (["compare", "--model", "gru", "--rules", "bptt,rflo", "--task", "n-dms", "--seeds", "1", "--max-trials", "64", "--workers", "1"],
             "error: protocol compare: rule rflo"),
        ] {
            let r = try CLI.run(arguments)
            XCTAssertEqual(r.status, 2, "\(arguments)")
            XCTAssertEqual(r.stdout, "")
            XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, r.stderr)
            XCTAssertTrue(r.stderr.hasPrefix(prefix) && r.stderr.contains("rule 'rflo' does not support model '"), r.stderr)
            XCTAssertTrue(r.stderr.contains("; valid: leaky"), r.stderr)
        }
        // RTRL runs on them through their per-gate sensitivities.
        let rtrl = try CLI.run(["train", "--task", "flipflop3", "--task-param", "T=10", "--model", "gru", "--rule", "rtrl", "--hidden", "4",
                                "--max-trials", "32", "--batch", "16", "--eval-every", "32", "--validation", "32", "--seed", "4"])
        XCTAssertEqual(rtrl.status, 0, rtrl.stderr)
        XCTAssertEqual(rtrl.stdout.split(separator: "\n").first.map(String.init), "task flipflop3, rule rtrl, model gru N=4, seed 4")
    }

    func testGradExportHasTheDocumentedShape() throws {
        let r = try CLI.run(["grad", "--task", "flipflop3", "--task-param", "T=5", "--hidden", "4", "--batch", "2", "--seed", "3"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        for key in ["model", "activation", "hidden", "params", "batch", "loss", "grad"] { XCTAssertNotNil(object[key], key) }
        let params = try XCTUnwrap(object["params"] as? [String: Any])
        let grad = try XCTUnwrap(object["grad"] as? [String: Any])
        XCTAssertEqual(Set(params.keys), ["W", "U", "b", "V", "c", "tau"])
        XCTAssertEqual(Set(grad.keys), Set(params.keys))
        XCTAssertEqual((params["W"] as? [[Double]])?.count, 4)
        XCTAssertEqual((params["U"] as? [[Double]])?.first?.count, 3)
        let batch = try XCTUnwrap(object["batch"] as? [String: Any])
        let inputs = try XCTUnwrap(batch["inputs"] as? [[[Double]]])
        XCTAssertEqual(inputs.count, 5)
        XCTAssertEqual(inputs[0].count, 2)
        XCTAssertEqual(inputs[0][0].count, 3)
        XCTAssertEqual((batch["mask"] as? [[Double]])?.count, 5)
    }
}

/// `plasticity timescales` and `simulate` on a network trained and saved by the binary itself.
final class SavedNetworkCommandTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("plasticity-saved-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func trainSmallNetwork(hidden: Int) throws {
        let train = try CLI.run(
            ["train", "--task", "n-parity", "--task-param", "N=2", "--hidden", "\(hidden)", "--max-trials", "256", "--seed", "1", "--save", "net.json"],
            in: directory)
        XCTAssertEqual(train.status, 0, train.stderr)
    }

    func testTimescalesOfASavedNetworkAndItsRangeCheck() throws {
        try trainSmallNetwork(hidden: 8)
        let r = try assertSnapshot(
            ["timescales", "net.json", "--steps", "3000", "--trials", "2", "--segment", "1000", "--seed", "3"],
            named: "timescales-small", in: directory)
        XCTAssertEqual(r.status, 0, r.stderr)
        try assertInputErrorSnapshot(["timescales", "net.json", "--steps", "5"], named: "error-timescales-steps", in: directory)
    }

    /// The whole trajectory file, exactly, beside the command's output.
    func testSimulateWritesTheDocumentedCSVAndRefusesBadSteps() throws {
        try trainSmallNetwork(hidden: 3)
        let r = try assertSnapshot(
            ["simulate", "net.json", "--trials", "2", "--dt", "0.5", "--seed", "2", "--out", "traj.csv"], named: "simulate-small", in: directory)
        XCTAssertEqual(r.status, 0, r.stderr)
        let written = try String(contentsOf: directory.appendingPathComponent("traj.csv"), encoding: .utf8)
        let snapshot = CLI.snapshotDirectory.appendingPathComponent("simulate-small-csv.txt")
        if ProcessInfo.processInfo.environment["PLASTICITY_RECORD_SNAPSHOTS"] == "1" {
            try written.write(to: snapshot, atomically: true, encoding: .utf8)
        } else {
            XCTAssertEqual(written, try String(contentsOf: snapshot, encoding: .utf8))
        }
        XCTAssertTrue(written.hasPrefix("trial,t,h1,h2,h3,y1,y2,target1,target2,mask\n"))
        try assertInputErrorSnapshot(["simulate", "net.json", "--dt", "0.3", "--out", "traj.csv"], named: "error-simulate-dt", in: directory)
        try assertInputErrorSnapshot(["simulate", "net.json", "--out", "traj.txt"], named: "error-simulate-out", in: directory)
        // The refused runs left the earlier file as it was.
        XCTAssertEqual(try String(contentsOf: directory.appendingPathComponent("traj.csv"), encoding: .utf8), written)
    }
}
