import XCTest
@testable import Plasticity

final class ConditionContrastTests: XCTestCase {
    func parse(_ text: String) throws -> ExperimentProtocol {
        try ProtocolParser.parse(text, file: "c.toml", defaultName: "c")
    }

    let twoConditions = """
        rules = ["bptt"]
        tasks = ["flipflop3"]
        seeds = 3
        [task-parameters]
        T = 20
        [model]
        hidden = 8
        activation = "tanh"
        [training]
        batch = 16
        max-trials = 960
        eval-every = 64
        validation-size = 32
        criterion = 0.8
        [[conditions]]
        label = "fast"
        training = { learning-rate = 0.02 }
        [[conditions]]
        label = "slow"
        training = { learning-rate = 0.0005 }

        """

    func testContrastPairsSeedsAndRatiosMatchTheRuns() throws {
        let experiment = try parse(twoConditions + """
            [[contrasts]]
            label = "fast vs slow"
            treatment = "fast"
            baseline = "slow"
            """)
        XCTAssertEqual(experiment.contrasts, [ConditionContrast(label: "fast vs slow", treatment: "fast", baseline: "slow")])
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("contrast-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try ResultsStore(path: directory.appendingPathComponent("c.sqlite").path)
        _ = try ProtocolRunner.run(experiment, store: store, workers: 2)
        let stored = try store.runs()
        let summaries = ContrastSummary.make(stored, protocols: try store.protocols())
        XCTAssertEqual(summaries.count, 1)
        let s = try XCTUnwrap(summaries.first)
        XCTAssertEqual(s.pairs, 3)
        func ttc(_ condition: String) -> [Double] {
            stored.map(\.record).filter { $0.condition == condition }.sorted { $0.seed < $1.seed }
                .map { Double($0.metrics.trialsToCriterionOrBudget) }
        }
        let ratios = zip(ttc("fast"), ttc("slow")).map { $0 / $1 }
        XCTAssertEqual(ratios.count, 3)
        XCTAssertEqual(s.ratio.median, Statistics.median(ratios), accuracy: 1e-12)
        XCTAssertLessThan(s.ratio.median, 1, "the higher learning rate reaches the loose criterion first")
        XCTAssertEqual(s.pValue, 0.25, accuracy: 1e-12, "3 pairs all one way: the exact two-sided p is 2/8")
        let report = Report.markdown([], source: "x", contrasts: summaries)
        XCTAssertTrue(report.contains("| fast vs slow | flipflop3 | bptt | 3 |"), report)
    }

    func testBadContrastsNameFileKeyAndChoices() {
        func assertError(_ contrast: String, _ expected: String, line: UInt = #line) {
            XCTAssertThrowsError(try parse(twoConditions + contrast), line: line) { error in
                XCTAssertEqual("\(error)", expected, line: line)
            }
        }
        assertError("[[contrasts]]\nlabel = \"x\"\ntreatment = \"fats\"\nbaseline = \"slow\"\n",
                    "c.toml: contrasts[0].treatment: unknown condition 'fats' (did you mean 'fast'?); valid: fast, slow")
        assertError("[[contrasts]]\nlabel = \"x\"\ntreatment = \"fast\"\nbaseline = \"fast\"\n",
                    "c.toml: contrasts[0].baseline: treatment and baseline are the same condition 'fast'")
        assertError("[[contrasts]]\ntreatment = \"fast\"\nbaseline = \"slow\"\n",
                    "c.toml: contrasts[0].label: every contrast needs a non-empty label, e.g. \"TCR at g=2.5\"")
        assertError("[[contrasts]]\nlabel = \"x\"\ntreatment = \"fast\"\nbaseline = \"slow\"\nratio = 2\n",
                    "c.toml: contrasts[0]: unknown key 'ratio'; valid: label, treatment, baseline")
    }
}
