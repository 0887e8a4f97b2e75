import Foundation
import XCTest

/// Runs the built `plasticity` binary as a user would, and compares its whole output with a
/// snapshot file in Tests/CLITests/Snapshots/.
///
/// `PLASTICITY_RECORD_SNAPSHOTS=1 make test` re-records every snapshot; a missing snapshot is
/// recorded on first run, except under `CI=true`, where it is a failure.
enum CLI {
    struct Result: Equatable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The products folder holds both the test bundle and the executable.
    static var binary: URL { Bundle.main.bundleURL.appendingPathComponent("plasticity") }

    static let packageDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let snapshotDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")

    /// The environment without settings that change the output: a user's rule directory, the
    /// terminal width help text wraps at.
    static var cleanEnvironment: [String: String] {
        ProcessInfo.processInfo.environment.filter { !["PLASTICITY_RULES_DIR", "COLUMNS", "LINES"].contains($0.key) }
    }

    /// Runs `executable` (default: the built binary) with `arguments` in `directory` (default: the package).
    static func run(
        _ arguments: [String], in directory: URL? = nil, executable: URL? = nil, environment: [String: String]? = nil
    ) throws -> Result {
        let process = Process()
        process.executableURL = executable ?? binary
        process.arguments = arguments
        process.currentDirectoryURL = directory ?? packageDirectory
        process.environment = environment ?? cleanEnvironment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Outputs are small (no pipe fills up), so reading one after the other cannot block.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    /// The text a snapshot file holds: the command, its exit status, its stdout and its stderr.
    static func transcript(_ arguments: [String], _ result: Result) -> String {
        let command = (["plasticity"] + arguments).map { $0.contains(" ") || $0.isEmpty ? "'\($0)'" : $0 }.joined(separator: " ")
        return "$ \(command)\nstatus: \(result.status)\n--- stdout\n\(result.stdout)--- stderr\n\(result.stderr)"
    }
}

extension XCTestCase {
    /// Runs the binary and compares status, stdout and stderr with Snapshots/`name`.txt.
    /// Use only for outputs without timings or machine-dependent paths.
    @discardableResult
    func assertSnapshot(
        _ arguments: [String], named name: String, in directory: URL? = nil, file: StaticString = #filePath, line: UInt = #line
    ) throws -> CLI.Result {
        let result = try CLI.run(arguments, in: directory)
        let actual = CLI.transcript(arguments, result)
        let path = CLI.snapshotDirectory.appendingPathComponent(name + ".txt")
        let environment = ProcessInfo.processInfo.environment
        let record = environment["PLASTICITY_RECORD_SNAPSHOTS"] == "1"
        guard !record, let expected = try? String(contentsOf: path, encoding: .utf8) else {
            if !record && environment["CI"] == "true" {
                XCTFail("missing snapshot \(path.path); record it with PLASTICITY_RECORD_SNAPSHOTS=1 make test", file: file, line: line)
                return result
            }
            try FileManager.default.createDirectory(at: CLI.snapshotDirectory, withIntermediateDirectories: true)
            try actual.write(to: path, atomically: true, encoding: .utf8)
            return result
        }
        if actual != expected {
            XCTFail(
                "output differs from snapshot Snapshots/\(name).txt (if the change is intended: PLASTICITY_RECORD_SNAPSHOTS=1 make test)\n"
                    + "--- expected\n\(expected)--- actual\n\(actual)", file: file, line: line)
        }
        return result
    }

    /// Bad input: one line on stderr, nothing on stdout, exit status 2, the whole output as in the snapshot.
    func assertInputErrorSnapshot(
        _ arguments: [String], named name: String, in directory: URL? = nil, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let r = try assertSnapshot(arguments, named: name, in: directory, file: file, line: line)
        XCTAssertEqual(r.status, 2, "status for \(arguments)", file: file, line: line)
        XCTAssertEqual(r.stdout, "", file: file, line: line)
        XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, "exactly one line: \(r.stderr)", file: file, line: line)
        XCTAssertTrue(r.stderr.hasPrefix("error: "), r.stderr, file: file, line: line)
    }
}
