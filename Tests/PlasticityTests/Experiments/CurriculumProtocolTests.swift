import XCTest
@testable import Plasticity

/// The shipped curriculum protocols: their cells as stated, and a shrunken copy of each (one seed,
/// tiny nets, a few hundred trials) through the runner, the results file and the report.
final class CurriculumProtocolTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("curriculum-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func testShippedProtocolsCompareThreeCurriculaForFiveRuleModelPairs() throws {
        for name in ["curriculum-parity", "curriculum-dms"] {
            let experiment = try ProtocolLibrary.load(name).experiment
            let cells = experiment.cells
            XCTAssertEqual(cells.count, 75, name)
            XCTAssertTrue(cells.allSatisfy { $0.spec.curriculum != nil })
            XCTAssertEqual(Set(cells.map { $0.spec.curriculum!.kind }), Set(CurriculumKind.allCases))
            XCTAssertGreaterThanOrEqual(experiment.seeds.count, 5)
            // Gated models run with BPTT only; the leaky RNN with BPTT and two local rules.
            XCTAssertTrue(cells.filter { $0.spec.model.kind != .leaky }.allSatisfy { $0.spec.rule == "bptt" })
            XCTAssertEqual(Set(cells.filter { $0.spec.model.kind == .leaky }.map(\.spec.rule)), ["bptt", "eprop-random", "node-perturbation"])
            XCTAssertEqual(Set(cells.map(\.spec.model.kind)), [.leaky, .gru, .lstm])
        }
    }

    /// One seed, tiny nets, a few hundred trials, small checks.
    func shrink(_ experiment: inout ExperimentProtocol, maxTrials: Int) {
        experiment.seeds = [1]
        for i in experiment.conditions.indices {
            experiment.conditions[i].model.hidden = 6
            experiment.conditions[i].training.batchSize = 16
            experiment.conditions[i].training.maxTrials = maxTrials
            experiment.conditions[i].curriculum!.checkEvery = 64
            experiment.conditions[i].curriculum!.testSize = 32
        }
    }

    func testShrunkenProtocolsRunStoreResumeAndReport() throws {
        for name in ["curriculum-parity", "curriculum-dms"] {
            var experiment = try ProtocolLibrary.load(name).experiment
            shrink(&experiment, maxTrials: 192)
            for i in experiment.conditions.indices {
                experiment.conditions[i].curriculum!.maxN = 5
                experiment.conditions[i].curriculum!.threshold = 0.5
            }
            let db = directory.appendingPathComponent("\(name).sqlite").path
            let store = try ResultsStore(path: db)
            let summary = try ProtocolRunner.run(experiment, store: store, workers: 2)
            XCTAssertEqual(summary.completed, 15, name)
            let curricula = try store.curricula()
            XCTAssertEqual(curricula.count, 15)
            XCTAssertTrue(curricula.values.allSatisfy { $0.trialsTrained <= 192 && !$0.checks.isEmpty })
            let stages = try store.query("SELECT COUNT(*) FROM curriculum_stages").rows[0][0]
            XCTAssertEqual(Int(stages ?? "0")! >= 15, true)
            XCTAssertEqual(try ProtocolRunner.run(experiment, store: store, workers: 1).skipped, 15)
            // `status` counts the cells a condition's `rules` leaves out as absent, not missing.
            let status = try ResultsStatus.status(of: store, protocol: name)
            XCTAssertEqual(status.map(\.cells), [15])
            XCTAssertEqual(status.map(\.missing.count), [0])
            let report = directory.appendingPathComponent("\(name)-report").path
            let written = try Report.write(store: store, to: report)
            // The plots: one SVG file per plot, each seed's largest N drawn where it is.
            XCTAssertTrue(written.contains { $0.hasSuffix("/curricula-largest-n.svg") }, "\(written)")
            XCTAssertTrue(try String(contentsOfFile: report + "/curricula-largest-n.svg", encoding: .utf8).hasPrefix("<svg"))
            let rows = CurriculumReport.rows(try store.runs(), curricula: curricula)
            let panels = CurriculumPlots.largestN(rows)
            XCTAssertEqual(panels.count, CurriculumPlots.groups(rows).count)
            let drawn = panels.flatMap(\.series)
            XCTAssertEqual(drawn.count, rows.count)
            for (row, series) in zip(CurriculumPlots.groups(rows).flatMap(\.rows), drawn) {
                XCTAssertEqual(series.markers.map(\.y).sorted(), row.results.map { Double($0.largestN ?? 0) }.sorted())
            }
            // Multi-head against single-head: one row per model and rule that ran both.
            let contrast = CurriculumContrast.table(rows)
            XCTAssertEqual(contrast.rows.count, rows.filter { $0.results.first?.kind == .multiHead }.count)
            XCTAssertEqual(Set(contrast.rows.map { $0[2] }), ["leaky", "gru", "lstm"])
            let markdown = try String(contentsOfFile: report + "/summary.md", encoding: .utf8)
            XCTAssertTrue(markdown.contains(CurriculumContrast.title))
            XCTAssertTrue(markdown.contains("## Curricula"))
            XCTAssertTrue(markdown.contains("| \(name) | "))
            XCTAssertTrue(try String(contentsOfFile: report + "/index.html", encoding: .utf8).contains("<h2>Curricula</h2>"))
        }
    }

    /// Claim 5 at matched N: each multi-head condition has a single-head twin (same model, rule, task,
    /// seed) trained to the same N (its label's N=K is its max-N), and the contrast pairs the two by
    /// the label's remainder, not with the last-pass rows of another N.
    func testMatchedProtocolTrainsBothCurriculaToTheSameNAndPairsThem() throws {
        var experiment = try ProtocolLibrary.load("curriculum-matched").experiment
        let cells = experiment.cells
        XCTAssertEqual(cells.count, 160)
        XCTAssertGreaterThanOrEqual(experiment.seeds.count, 10)
        XCTAssertEqual(Set(cells.map { $0.spec.curriculum!.kind }), [.singleHead, .multiHead])
        for cell in cells {
            let curriculum = cell.spec.curriculum!
            XCTAssertTrue(cell.condition.hasSuffix("N=\(curriculum.maxN)"), cell.condition)
            guard curriculum.kind == .multiHead else { continue }
            XCTAssertEqual(cells.filter {
                $0.spec.curriculum!.kind == .singleHead && $0.spec.curriculum!.maxN == curriculum.maxN && $0.spec.model.kind == cell.spec.model.kind
                    && $0.spec.rule == cell.spec.rule && $0.spec.task == cell.spec.task && $0.spec.seed == cell.spec.seed
            }.count, 1, cell.condition)
        }
        shrink(&experiment, maxTrials: 128)
        let store = try ResultsStore(path: directory.appendingPathComponent("matched.sqlite").path)
        XCTAssertEqual(try ProtocolRunner.run(experiment, store: store, workers: 2).completed, 16)
        let rows = CurriculumReport.rows(try store.runs(), curricula: try store.curricula())
        let contrast = CurriculumContrast.table(rows)
        XCTAssertEqual(contrast.rows.map { "\($0[1]) \($0[2]) \($0[3])" }.sorted(), [
            "n-dms gru N=7 bptt", "n-dms leaky N=3 eprop-random", "n-dms leaky N=7 bptt", "n-dms lstm N=7 bptt",
            "n-parity gru N=5 bptt", "n-parity leaky N=3 eprop-random", "n-parity leaky N=5 bptt", "n-parity lstm N=5 bptt",
        ])
    }

    func testBadCurriculumKeysAreInputErrors() {
        let text = """
            name = "c"
            rules = ["bptt"]
            tasks = ["n-parity"]
            [curriculum]
            kind = "spiral"
            """
        XCTAssertThrowsError(try ProtocolParser.parse(text, file: "c.toml", defaultName: "c")) {
            XCTAssertTrue("\($0)".contains("single-head, multi-head, sliding"), "\($0)")
        }
        let flipflop = text.replacingOccurrences(of: "n-parity", with: "flipflop3").replacingOccurrences(of: "spiral", with: "sliding")
        XCTAssertThrowsError(try ProtocolParser.parse(flipflop, file: "c.toml", defaultName: "c")) {
            XCTAssertTrue("\($0)".contains("n-parity, n-dms"), "\($0)")
        }
    }
}
