import Foundation
import XCTest
@testable import Plasticity

/// Every file of Tests/Fixtures/bad-input (rule files, protocols, saved networks, checkpoints,
/// results files) given to the command that reads it: exit status 2, one line on stderr naming the
/// file and the key EXPECTED.txt lists for it, nothing written, the input unchanged.
final class BadInputCorpusTests: XCTestCase {
    static let corpus = TestPackage.url("Tests/Fixtures/bad-input")

    func binary() throws -> URL {
        let url = Bundle.main.bundleURL.appendingPathComponent("plasticity")
        guard FileManager.default.isExecutableFile(atPath: url.path) else { throw XCTSkip("no plasticity binary at \(url.path)") }
        return url
    }

    /// EXPECTED.txt: "file<TAB>text the error line must contain" (the key, or the reason where a file has no keys).
    func expectations() throws -> [String: String] {
        let text = try String(contentsOf: Self.corpus.appendingPathComponent("EXPECTED.txt"), encoding: .utf8)
        var result: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: "\t", maxSplits: 1)
            if parts.count == 2 { result[String(parts[0])] = String(parts[1]) }
        }
        return result
    }

    /// The command that reads `file` (by its name's prefix), writing any output under `out`.
    func command(for file: String, out: String) -> [String] {
        let small = ["--task", "flipflop3", "--task-param", "T=10", "--hidden", "4", "--max-trials", "16", "--batch", "8", "--validation", "8"]
        switch URL(fileURLWithPath: file).lastPathComponent.split(separator: "-").first ?? "" {
        case "protocol": return ["run", file, "--db", out + "/r.sqlite", "--report", out + "/report", "--workers", "1"]
        case "rule": return ["train"] + small + ["--rule", file, "--save", out + "/net.json"]
        case "network": return ["ablate", file, "--trials", "8"]
        case "checkpoint": return ["train"] + small + ["--resume", file, "--checkpoint", out + "/c.json", "--save", out + "/net.json"]
        default: return ["report", file, "--out", out + "/report"]
        }
    }

    func testEveryBadFileIsOneLineNamingFileAndKeyWithNothingWritten() throws {
        let binary = try binary()
        let expected = try expectations()
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.corpus.path).filter { $0 != "EXPECTED.txt" }.sorted()
        XCTAssertGreaterThanOrEqual(names.count, 40)
        XCTAssertEqual(Set(expected.keys), Set(names), "EXPECTED.txt lists exactly the corpus")
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("bad-input-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        for name in names {
            // A copy: the command must leave it byte for byte as it was.
            let directory = work.appendingPathComponent(name + ".d")
            try FileManager.default.createDirectory(at: directory.appendingPathComponent("out"), withIntermediateDirectories: true)
            let input = directory.appendingPathComponent(name).path
            try FileManager.default.copyItem(atPath: Self.corpus.appendingPathComponent(name).path, toPath: input)
            let before = try Data(contentsOf: URL(fileURLWithPath: input))
            let process = Process()
            process.executableURL = binary
            process.arguments = command(for: input, out: directory.appendingPathComponent("out").path)
            process.currentDirectoryURL = directory
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 2, "\(name): \(stderr)")
            XCTAssertTrue(stderr.hasPrefix("error: ") && stderr.hasSuffix("\n") && stderr.filter { $0 == "\n" }.count == 1, "\(name): one line: \(stderr)")
            XCTAssertTrue(stderr.contains(input), "\(name): names the file: \(stderr)")
            if let part = expected[name] { XCTAssertTrue(stderr.contains(part), "\(name): lacks '\(part)': \(stderr)") }
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("out").path), [], "\(name): nothing written")
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted(), [name, "out"].sorted(), "\(name): nothing beside it")
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: input)), before, "\(name): unchanged")
        }
    }
}
