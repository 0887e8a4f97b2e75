import Foundation
import XCTest

/// Runs the built `plasticity` binary as a user would and checks exact output and exit status.
final class CLITests: XCTestCase {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The products folder holds both the test bundle and the executable.
    static var binary: URL {
        Bundle.main.bundleURL.appendingPathComponent("plasticity")
    }

    func run(_ arguments: [String], in directory: URL? = nil) throws -> Result {
        let process = Process()
        process.executableURL = CLITests.binary
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Bad input: one line on stderr, nothing on stdout, exit status 2.
    func assertInputError(_ arguments: [String], startsWith prefix: String, contains parts: [String] = [], file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try run(arguments)
        XCTAssertEqual(r.status, 2, "status for \(arguments)", file: file, line: line)
        XCTAssertEqual(r.stdout, "", file: file, line: line)
        XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, "exactly one line: \(r.stderr)", file: file, line: line)
        XCTAssertTrue(r.stderr.hasPrefix(prefix), "\(r.stderr) should start with \(prefix)", file: file, line: line)
        for part in parts { XCTAssertTrue(r.stderr.contains(part), "\(r.stderr) should contain \(part)", file: file, line: line) }
    }

    func testUnknownTaskNamesTheValidTasks() throws {
        try assertInputError(["train", "--task", "nope"], startsWith: "error: unknown task 'nope'; valid: ", contains: ["flipflop3"])
    }

    func testUnknownRuleNamesTheValidRules() throws {
        try assertInputError(["train", "--task", "flipflop3", "--rule", "nope"], startsWith: "error: ", contains: ["'nope'", "valid: ", "bptt"])
    }

    func testBadTaskParameters() throws {
        try assertInputError(
            ["train", "--task", "flipflop3", "--task-param", "Q=3"],
            startsWith: "error: task flipflop3: unknown parameter 'Q'; valid: T, p")
        try assertInputError(
            ["train", "--task", "flipflop3", "--task-param", "T=1"],
            startsWith: "error: task flipflop3: T: value 1 out of range; valid: 2...10000")
        try assertInputError(
            ["train", "--task", "flipflop3", "--task-param", "T"],
            startsWith: "error: --task-param: expected NAME=VALUE, got 'T'")
        try assertInputError(
            ["train", "--task", "flipflop3", "--task-param", "T=abc"],
            startsWith: "error: --task-param T: 'abc' is not a number")
    }

    func testBadEnumOptionNamesTheChoices() throws {
        try assertInputError(["train", "--task", "flipflop3", "--activation", "cubic"], startsWith: "error: ", contains: ["cubic", "leaky-relu", "tanh"])
    }

    func testBadOutputDirectoryLeavesNothingBehind() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plasticity-cli-\(UUID().uuidString)")
        try assertInputError(
            ["grad", "--task", "flipflop3", "--hidden", "4", "--batch", "2", "--out", dir.appendingPathComponent("g.json").path],
            startsWith: "error: \(dir.appendingPathComponent("g.json").path): directory does not exist")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path))
    }

    func testTrainJSONIsDeterministicAndComplete() throws {
        let args = ["train", "--task", "flipflop3", "--task-param", "T=20", "--hidden", "8", "--max-trials", "64",
                    "--batch", "16", "--eval-every", "32", "--validation", "32", "--seed", "4", "--json"]
        let a = try run(args), b = try run(args)
        XCTAssertEqual(a.status, 0, a.stderr)
        XCTAssertEqual(a.stderr, "", "no progress bar when stderr is not a terminal")
        func fields(_ text: String) throws -> [String: Any] {
            var object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            object["wallSeconds"] = nil
            return object
        }
        let fa = try fields(a.stdout), fb = try fields(b.stdout)
        XCTAssertEqual(NSDictionary(dictionary: fa), NSDictionary(dictionary: fb))
        XCTAssertEqual(fa["trialsTrained"] as? Int, 64)
        XCTAssertEqual(fa["task"] as? String, "flipflop3")
        XCTAssertEqual(fa["status"] as? String, "budget")
    }

    func testTrainTextOutput() throws {
        let r = try run(["train", "--task", "flipflop3", "--task-param", "T=20", "--hidden", "8", "--max-trials", "32",
                         "--batch", "16", "--eval-every", "32", "--validation", "32", "--seed", "4", "--criterion", "0.99"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 6, r.stdout)
        XCTAssertEqual(lines[0], "task flipflop3, rule bptt, model leaky N=8, seed 4")
        XCTAssertEqual(lines[1], "trials to criterion (validation accuracy >= 0.99): not reached within 32 trials (censored)")
        XCTAssertTrue(lines[2].hasPrefix("final validation accuracy "), lines[2])
        XCTAssertTrue(lines[2].contains("× the trivial baseline "), lines[2])
        XCTAssertTrue(lines[3].hasPrefix("plateau: "), lines[3])
        XCTAssertEqual(lines[4], "rule from shipped; optimizer adam, lr 0.003, clip 2")
        XCTAssertTrue(lines[5].hasPrefix("trained 32 trials in "), lines[5])
    }

    func testTrainRunsTheGatedModels() throws {
        for model in ["gru", "lstm"] {
            let r = try run(["train", "--task", "flipflop3", "--task-param", "T=20", "--model", model, "--hidden", "8", "--max-trials", "32",
                             "--batch", "16", "--eval-every", "32", "--validation", "32", "--seed", "4", "--criterion", "0.99"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let lines = r.stdout.split(separator: "\n").map(String.init)
            XCTAssertEqual(lines.first, "task flipflop3, rule bptt, model \(model) N=8, seed 4")
            XCTAssertTrue(lines.count == 6 && lines[2].hasPrefix("final validation accuracy "), r.stdout)
            XCTAssertEqual(lines[4], "rule from shipped; optimizer adam, lr 0.003, clip 2")
        }
        try assertInputError(
            ["train", "--task", "flipflop3", "--model", "lstm", "--rule", "rflo"], startsWith: "error: ",
            contains: ["rule 'rflo' does not support model 'lstm'; valid: leaky"])
        try assertInputError(["train", "--task", "flipflop3", "--model", "gur"], startsWith: "error: ", contains: ["gur", "gru", "lstm"])
        try assertInputError(
            ["compare", "--model", "gru", "--rules", "bptt,rflo", "--task", "n-dms", "--seeds", "1", "--max-trials", "64", "--workers", "1"],
            startsWith: "error: protocol compare: rule rflo", contains: ["rule 'rflo' does not support model 'gru'; valid: leaky"])
        // RTRL runs on them through their per-gate sensitivities.
        let rtrl = try run(["train", "--task", "flipflop3", "--task-param", "T=10", "--model", "gru", "--rule", "rtrl", "--hidden", "4",
                            "--max-trials", "32", "--batch", "16", "--eval-every", "32", "--validation", "32", "--seed", "4"])
        XCTAssertEqual(rtrl.status, 0, rtrl.stderr)
        XCTAssertEqual(rtrl.stdout.split(separator: "\n").first.map(String.init), "task flipflop3, rule rtrl, model gru N=4, seed 4")
    }

    func testGradExportHasTheDocumentedShape() throws {
        let r = try run(["grad", "--task", "flipflop3", "--task-param", "T=5", "--hidden", "4", "--batch", "2", "--seed", "3"])
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
