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

    /// 8 cells of a few tenths of a second each in release.
    let protocolText = """
        name = "resume"
        rules = ["bptt"]
        tasks = ["flipflop3"]
        seeds = 4
        [task-parameters]
        T = 50
        [model]
        hidden = 24
        activation = "tanh"
        [training]
        batch = 32
        max-trials = 2400
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

        let whole = try runToEnd(["run", file, "--db", path("whole.sqlite"), "--workers", "2"])
        XCTAssertEqual(whole.status, 0, whole.stderr)

        let (process, _) = try launch(["run", file, "--db", path("killed.sqlite"), "--workers", "2"])
        let deadline = Date().addingTimeInterval(120)
        var storedAtKill = 0
        while Date() < deadline && process.isRunning {
            if FileManager.default.fileExists(atPath: path("killed.sqlite")),
               let count = try? ResultsStore.open(existing: path("killed.sqlite")).count(), count >= 1 {
                kill(process.processIdentifier, SIGKILL)
                storedAtKill = count
                break
            }
            usleep(5_000)
        }
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal, "the run finished before it could be killed")
        let partial = try ResultsStore.open(existing: path("killed.sqlite")).count()
        XCTAssertGreaterThanOrEqual(partial, storedAtKill)
        XCTAssertLessThan(partial, 8)

        let resumed = try runToEnd(["run", file, "--db", path("killed.sqlite"), "--workers", "1"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let a = try ResultsStore.open(existing: path("whole.sqlite")), b = try ResultsStore.open(existing: path("killed.sqlite"))
        XCTAssertEqual(try b.count(), 8)
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
}
