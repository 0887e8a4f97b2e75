import Foundation
import XCTest
@testable import Plasticity
@testable import PlasticityFoundation

/// Runs and protocol cells above the memory limit are refused in one line before anything is allocated.
final class MemoryLimitTests: XCTestCase {
    func testSizesParseAndPrint() throws {
        XCTAssertEqual(try MemoryLimit.parse("512M"), 512 << 20)
        XCTAssertEqual(try MemoryLimit.parse("8g"), 8 << 30)
        XCTAssertEqual(try MemoryLimit.parse("1.5T"), 3 << 39)
        XCTAssertEqual(try MemoryLimit.parse("4096"), 4096)
        XCTAssertEqual(try MemoryLimit.parse("2GB"), 2 << 30)
        for bad in ["", "-1G", "lots", "0", "nanG", "1e30T"] {
            XCTAssertThrowsError(try MemoryLimit.parse(bad)) {
                XCTAssertEqual("\($0)", "--max-memory: invalid size '\(bad)'; valid: a positive size such as 512M, 8G or 1.5T")
            }
        }
        XCTAssertEqual(MemoryLimit.describe(512 << 20), "512 MB")
        XCTAssertEqual(MemoryLimit.describe(3 << 29), "1.5 GB")
        XCTAssertEqual(MemoryLimit.parseMeminfo("MemTotal:  100 kB\nMemAvailable:    2048 kB\n"), 2 << 20)
        XCTAssertNil(MemoryLimit.parseMeminfo("MemTotal: 100 kB\n"))
        XCTAssertNotNil(MemoryLimit.available(), "this machine has /proc/meminfo")
    }

    /// The issue's two crashes: each now one line naming the estimate, its largest part and the keys.
    func testTheIssuesCrashesAreRefused() throws {
        var big = RunSpec(task: "flipflop3")
        big.model.hidden = 4096
        big.training.batchSize = 65536
        big.taskParameters = ["T": 10000]
        XCTAssertThrowsError(try big.execute(memoryLimit: 8 << 30)) {
            XCTAssertEqual(
                "\($0)",
                "the run needs an estimated 78 TB (training trajectory 78 TB), above the memory limit of 8.0 GB (--max-memory, default: the available memory); change: batch, hidden, the trial length (task-param)")
        }
        var rtrl = RunSpec(task: "flipflop3")
        rtrl.rule = "rtrl"
        rtrl.model.hidden = 4096
        XCTAssertThrowsError(try rtrl.validate(memoryLimit: 64 << 30)) {
            XCTAssertTrue("\($0)".hasPrefix("the run needs an estimated 1.0 TB (RTRL sensitivities 1.0 TB)"), "\($0)")
            XCTAssertTrue("\($0)".hasSuffix("change: hidden, rule"), "\($0)")
        }
        XCTAssertNoThrow(try RunSpec(task: "flipflop3").validate(memoryLimit: 1 << 30))
    }

    /// A protocol checks every cell before any runs: a large cell at the end stops it before the first.
    func testAProtocolIsRefusedBeforeAnyCellRuns() throws {
        let text = """
            name = "mixed"
            rules = ["bptt", "rtrl"]
            tasks = ["flipflop3"]
            [model]
            hidden = 512
            [training]
            max-trials = 16
            batch = 8
            """
        let experiment = try ProtocolParser.parse(text, file: "mixed.toml", defaultName: "mixed")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("memory-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try ResultsStore(path: path)
        XCTAssertThrowsError(try ProtocolRunner.run(experiment, store: store, workers: 1, memoryLimit: 1 << 30)) {
            XCTAssertTrue("\($0)".hasPrefix("protocol mixed: rule rtrl, task flipflop3, seed 1: the run needs an estimated 2.4 GB (RTRL sensitivities 2.0 GB)"), "\($0)")
        }
        XCTAssertEqual(try store.count(), 0, "no cell ran")
        // Two workers running the two largest cells at once: refused naming --workers.
        let cells = experiment.cells
        let each = RunMemory(spec: cells[0].spec, rule: cells[0].resolvedRule).bytes
        XCTAssertThrowsError(try MemoryEstimate.check([cells[0], cells[0]], workers: 2, limit: Int(each * 1.5), file: "protocol mixed")) {
            XCTAssertTrue("\($0)".hasSuffix("change: --workers"), "\($0)")
        }
        XCTAssertNoThrow(try MemoryEstimate.check([cells[0], cells[0]], workers: 1, limit: Int(each * 1.5), file: "protocol mixed"))
    }
}
