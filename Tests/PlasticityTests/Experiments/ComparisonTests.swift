import Foundation
import XCTest
@testable import Plasticity

/// `plasticity compare`'s logic: one table per group naming every rule, the results file kept
/// only when asked for, and the report written on request.
final class ComparisonTests: XCTestCase {
    func tinyExperiment() throws -> ExperimentProtocol {
        var model = ModelSpec()
        model.hidden = 4
        var training = TrainingConfig()
        training.maxTrials = 16
        training.batchSize = 8
        training.evalEvery = 16
        training.validationSize = 8
        return try ExperimentProtocol.comparison(
            rules: ["bptt", "rflo"], task: "flipflop3", seeds: 2, taskParameters: ["T": 6], model: model, training: training)
    }

    func testTablesNameEveryRuleAndTheResultsFileIsKeptOnlyWhenAsked() throws {
        let directory = NSTemporaryDirectory() + "comparison-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let db = directory + "/nested/compare.sqlite"
        let output = try Comparison(experiment: try tinyExperiment(), db: db, workers: 2, report: directory + "/report").run()
        let lines = output.tables.components(separatedBy: "\n")
        XCTAssertTrue(lines[0].contains("flipflop3"), output.tables)
        XCTAssertEqual(lines[1], "")
        for rule in ["bptt", "rflo"] { XCTAssertTrue(lines.contains { $0.hasPrefix("| \(rule) ") || $0.hasPrefix("| `\(rule)`") }, "\(rule): \(output.tables)") }
        XCTAssertTrue(FileManager.default.fileExists(atPath: db))
        XCTAssertEqual(try ResultsStore.open(existing: db).runs(protocol: "compare").count, 4)
        XCTAssertFalse(output.reportFiles.isEmpty)
        XCTAssertTrue(output.text.hasSuffix("\nresults: \(db)\nreport: " + output.reportFiles.joined(separator: ", ")), output.text)
        // Without a results file nothing is left behind, and the tables are the same (same seeds).
        // (Only this process's temporary results files: other processes share the directory.)
        let ours = { try FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory())
            .filter { $0.hasPrefix("plasticity-compare-\(ProcessInfo.processInfo.processIdentifier)-") } }
        XCTAssertEqual(try ours(), [])
        let again = try Comparison(experiment: try tinyExperiment(), workers: 1).run()
        XCTAssertEqual(try ours(), [])
        XCTAssertEqual(again.reportFiles, [])
        XCTAssertEqual(again.text, again.tables + "\nresults: not kept (a temporary file; --db FILE keeps them)")
        XCTAssertNil(again.resultsFile)
        XCTAssertEqual(again.tables.components(separatedBy: "\n").count, lines.count)
    }

    func testBadWorkerCountIsRejectedBeforeAnythingIsWritten() throws {
        let db = NSTemporaryDirectory() + "comparison-\(UUID().uuidString)/c.sqlite"
        XCTAssertThrowsError(try Comparison(experiment: try tinyExperiment(), db: db, workers: 0).run()) {
            XCTAssertEqual("\($0)", "--workers: value 0 out of range; valid: 1...256")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: db))
    }
}
