import Foundation
import GRDB
import XCTest
@testable import Plasticity
@testable import PlasticityStoring

/// `bench --time-profile`: a stored protocol's wall time split into training, evaluation and analyses,
/// summed over its cells from what each cell stored.
final class TimeProfileTests: XCTestCase {
    func testSharesAddUpToTheCellsWallTime() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("time-profile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let experiment = try ProtocolParser.parse("""
            name = "timed"
            rules = ["bptt"]
            tasks = ["flipflop3"]
            seeds = 2
            [model]
            hidden = 4
            [training]
            max-trials = 64
            [perturbation]
            weights = [0, 0.5]
            trials = 16
            """, file: "timed.toml", defaultName: "timed")
        let store = try ResultsStore(path: directory.appendingPathComponent("t.sqlite").path)
        _ = try ProtocolRunner.run(experiment, store: store, workers: 1)
        let entries = try TimeProfile.entries(of: store)
        XCTAssertEqual(entries.map(\.protocolName), ["timed"])
        let e = entries[0]
        XCTAssertEqual(e.cells, 2)
        let (wall, train, analysis) = try store.queue.read { db in
            let row = try Row.fetchOne(db, sql: "SELECT SUM(wall_seconds) AS w, SUM(train_seconds) AS t, SUM(analysis_seconds) AS a FROM runs")!
            return (row["w"] as Double, row["t"] as Double, row["a"] as Double)
        }
        XCTAssertEqual(e.wallSeconds, wall)
        XCTAssertEqual(e.analysisSeconds, analysis)
        XCTAssertGreaterThan(e.evaluationSeconds, 0)
        XCTAssertEqual(e.trainingSeconds + e.evaluationSeconds, train, accuracy: 1e-12)
        XCTAssertEqual(e.trainingSeconds + e.evaluationSeconds + e.analysisSeconds, e.wallSeconds, accuracy: 1e-9)
        let lines = TimeProfile.text(entries, file: "t.sqlite").components(separatedBy: "\n")
        XCTAssertEqual(lines.count, 3)
        XCTAssertTrue(lines[2].hasPrefix("timed "), lines[2])
        XCTAssertTrue(lines[2].hasSuffix(String(format: "%8.1f%%", 100 * e.nonTrainingFraction)), lines[2])
    }
}
