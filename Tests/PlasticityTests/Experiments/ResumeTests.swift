import Foundation
import XCTest
@testable import Plasticity

/// End-to-end tests of the built `plasticity` binary (beside the test bundle: on Linux
/// `Bundle.main.bundleURL` is the build products folder).
final class ResumeTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("resume-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func binary() throws -> URL {
        let url = Bundle.main.bundleURL.appendingPathComponent("plasticity")
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw XCTSkip("no plasticity binary at \(url.path); build it with `swift build --build-tests`")
        }
        return url
    }

    func launch(_ arguments: [String]) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = try binary()
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return (process, errors)
    }

    func runToEnd(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let (process, errors) = try launch(arguments)
        let data = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// 20 cells of a fraction of a second each in release: enough that a loaded machine still
    /// sees the first cell stored well before the last one.
    let protocolText = """
        name = "resume"
        rules = ["bptt"]
        tasks = ["flipflop3"]
        seeds = 10
        [task-parameters]
        T = 50
        [model]
        hidden = 24
        activation = "tanh"
        [training]
        batch = 32
        max-trials = 4800
        eval-every = 320
        validation-size = 64
        learning-rate = 0.01
        stop-at-criterion = false
        [[conditions]]
        label = "g=1"
        model = { gain = 1.0 }
        [[conditions]]
        label = "g=2"
        model = { gain = 2.0 }
        [ablation]
        steps = 2
        draws = 1
        trials = 32
        """

    /// A run killed with SIGKILL partway, then run again, ends with exactly the results of an
    /// uninterrupted run: no cell duplicated or lost.
    func testKilledRunResumesToTheSameResults() throws {
        let file = path("resume.toml")
        try protocolText.write(toFile: file, atomically: true, encoding: .utf8)

        let started = Date()
        let whole = try runToEnd(["run", file, "--db", path("whole.sqlite"), "--workers", "2"])
        XCTAssertEqual(whole.status, 0, whole.stderr)
        // However fast or loaded the machine, the kill lands partway: at half the uninterrupted run's
        // time, on a timer (polling the results file from here can itself wait on the writer's lock).
        let halfway = 0.5 * Date().timeIntervalSince(started)

        let (process, _) = try launch(["run", file, "--db", path("killed.sqlite"), "--workers", "2"])
        let pid = process.processIdentifier
        DispatchQueue.global().asyncAfter(deadline: .now() + halfway) { kill(pid, SIGKILL) }
        let storedAtKill = 0
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal, "the run finished before it could be killed")
        let partial = try ResultsStore.open(existing: path("killed.sqlite")).count()
        XCTAssertGreaterThanOrEqual(partial, storedAtKill)
        XCTAssertLessThan(partial, 20)

        let resumed = try runToEnd(["run", file, "--db", path("killed.sqlite"), "--workers", "1"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let a = try ResultsStore.open(existing: path("whole.sqlite")), b = try ResultsStore.open(existing: path("killed.sqlite"))
        XCTAssertEqual(try b.count(), 20)
        XCTAssertEqual(try b.fingerprint(), try a.fingerprint())
    }

    func testBadProtocolExitsWithStatusTwoAndOneLine() throws {
        let file = path("bad.toml")
        try "rules = [\"bptt\"]\ntasks = [\"flipflop3\"]\n[model]\nhidden = 0\n".write(toFile: file, atomically: true, encoding: .utf8)
        let result = try runToEnd(["run", file, "--db", path("x.sqlite")])
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stderr, "error: \(file): model.hidden: value 0 out of range; valid: 1...4096\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("x.sqlite")), "nothing written for bad input")
    }

    /// `run --report DIR` creates missing directories and writes the page.
    func testRunWritesTheReport() throws {
        let file = path("small.toml")
        try "rules = [\"bptt\"]\ntasks = [\"flipflop3\"]\n[model]\nhidden = 8\n[training]\nmax-trials = 64\nbatch = 16\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        let result = try runToEnd(["run", file, "--db", path("out/a/r.sqlite"), "--report", path("out/b/report"), "--workers", "1"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("out/b/report/index.html")))
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("out/b/report/summary.md")))
    }

    func runToEndWithOutput(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = try binary()
        process.arguments = arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    func testComparePrintsTheTable() throws {
        let result = try runToEndWithOutput([
            "compare", "--rules", "bptt", "--task", "flipflop3", "--task-param", "T=20", "--seeds", "2",
            "--hidden", "8", "--max-trials", "64", "--batch", "16", "--workers", "2",
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("flipflop3 (protocol compare)"), result.stdout)
        XCTAssertTrue(result.stdout.contains("| bptt | 2 | "), result.stdout)
        let bad = try runToEndWithOutput(["compare", "--rules", "bptt,nope", "--task", "flipflop3", "--seeds", "2"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("unknown rule 'nope'") && bad.stderr.contains("bptt"), bad.stderr)
    }

    func testAblateAndPerturbASavedNetwork() throws {
        let net = path("net.json")
        let train = try runToEndWithOutput([
            "train", "--task", "flipflop3", "--task-param", "T=20", "--hidden", "8", "--max-trials", "64", "--batch", "16", "--save", net,
        ])
        XCTAssertEqual(train.status, 0, train.stderr)
        let ablate = try runToEndWithOutput(["ablate", net, "--order", "random,tau", "--fractions", "0,1", "--trials", "16", "--json"])
        XCTAssertEqual(ablate.status, 0, ablate.stderr)
        let curves = try JSONDecoder().decode([RobustnessCurve].self, from: Data(ablate.stdout.utf8))
        XCTAssertEqual(curves.map(\.kind), ["ablation-random", "ablation-tau"])
        XCTAssertEqual(curves[0].levels, [0, 1])
        let perturb = try runToEndWithOutput(["perturb", net, "--weights", "0,1", "--state", "", "--tau", "", "--trials", "16"])
        XCTAssertEqual(perturb.status, 0, perturb.stderr)
        XCTAssertTrue(perturb.stdout.hasPrefix("perturb-weights: level  accuracy"), perturb.stdout)
        XCTAssertFalse(perturb.stdout.contains("perturb-state"))
        let bad = try runToEndWithOutput(["ablate", net, "--order", "size"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertEqual(bad.stderr, "error: --order: unknown order 'size'; valid: random, tau, weight\n")
        let missing = try runToEndWithOutput(["perturb", path("none.json")])
        XCTAssertEqual(missing.status, 2)
        XCTAssertEqual(missing.stderr, "error: \(path("none.json")): no such file\n")
    }
}
