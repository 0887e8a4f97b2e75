import XCTest
@testable import Plasticity

/// `[sweep]`: per-rule settings selected on selection seeds, reported on separate evaluation seeds.
final class SweepTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func protocolText(sweep: String = "learning-rate = [0.00001, 0.01]\nselection-seeds = [7, 8]") -> String {
        """
        name = "sweepy"
        rules = ["bptt"]
        tasks = ["n-dms"]
        seeds = 2
        [task-parameters]
        N = 2
        [model]
        hidden = 16
        activation = "tanh"
        [training]
        batch = 32
        max-trials = 1024
        eval-every = 256
        validation-size = 64
        [sweep]
        \(sweep)
        """
    }

    func testParsesGridAndRejectsOverlappingSeeds() throws {
        let p = try ProtocolParser.parse(protocolText(sweep: "learning-rate = [0.001, 0.01]\nclip = [0, 2]"), file: "s.toml", defaultName: "s")
        XCTAssertEqual(p.sweep?.settings.map(\.label), ["lr=0.001 clip=none", "lr=0.001 clip=2", "lr=0.01 clip=none", "lr=0.01 clip=2"])
        XCTAssertEqual(p.sweep?.selectionSeeds, [3, 4, 5], "default: three seeds after the evaluation seeds")
        XCTAssertEqual(p.selectionCells.count, 4 * 3)
        XCTAssertThrowsError(try ProtocolParser.parse(protocolText(sweep: "learning-rate = [0.001, 0.01]\nselection-seeds = [2, 9]"), file: "s.toml", defaultName: "s")) { error in
            XCTAssertEqual(
                (error as? InputError)?.message,
                "s.toml: sweep.selection-seeds: seed 2 is also an evaluation seed; valid: selection seeds disjoint from seeds (1, 2)")
        }
        XCTAssertThrowsError(try ProtocolParser.parse(protocolText(sweep: "learning-rate = [0.001]"), file: "s.toml", defaultName: "s")) { error in
            XCTAssertEqual((error as? InputError)?.message, "s.toml: sweep: a sweep needs at least two settings")
        }
    }

    func testClipZeroMeansNoClippingOverTheRuleFile() throws {
        let p = try ProtocolParser.parse(protocolText(sweep: "learning-rate = [0.001, 0.01]").replacingOccurrences(of: "validation-size = 64", with: "validation-size = 64\nclip = 0"), file: "s.toml", defaultName: "s")
        let spec = p.cells[0].spec
        let training = spec.effectiveTraining(for: try spec.ruleConfiguration())
        XCTAssertNil(training.optimizer.clipNorm, "bptt.toml clips at 2; the protocol's clip = 0 removes it")
        let noZero = try ProtocolParser.parse(protocolText(sweep: "learning-rate = [0.001, 0.01]"), file: "s.toml", defaultName: "s")
        XCTAssertEqual(noZero.cells[0].spec.effectiveTraining(for: try spec.ruleConfiguration()).optimizer.clipNorm, 2)
    }

    func testSelectsOnSelectionSeedsThenRunsEvaluationSeedsWithTheChoice() throws {
        let experiment = try ProtocolParser.parse(protocolText(), file: "s.toml", defaultName: "s")
        let store = try ResultsStore(path: directory.appendingPathComponent("r.sqlite").path)
        let summary = try ProtocolRunner.run(experiment, store: store, workers: 2)
        XCTAssertEqual(summary.cells, 2 * 2 + 2, "two settings on two selection seeds, then two evaluation seeds")
        XCTAssertEqual(summary.completed, 6)
        let selection = try store.runs(protocol: "sweepy/selection")
        XCTAssertEqual(Set(selection.map(\.record.seed)), [7, 8])
        XCTAssertEqual(Set(selection.map(\.record.condition)), ["lr=1e-05", "lr=0.01"])
        let choices = try XCTUnwrap(SweepChoice.make(for: experiment, runs: selection))
        XCTAssertEqual(choices.count, 1)
        XCTAssertEqual(choices[0].chosen, SweepPlan.Setting(learningRate: 0.01, clip: nil), "1e-5 cannot learn 2-DMS in 1,024 trials")
        let evaluation = try store.runs(protocol: "sweepy")
        XCTAssertEqual(evaluation.map(\.record.seed), [1, 2])
        XCTAssertTrue(evaluation.allSatisfy { $0.configJSON.contains("\"learningRate\":0.01") }, "the chosen setting is recorded with each evaluation run")
        // Resumable: nothing runs again, and the report names the choice.
        XCTAssertEqual(try ProtocolRunner.run(experiment, store: store, workers: 1).completed, 0)
        let sections = Report.sweepSections(try store.runs(), protocols: try store.protocols())
        XCTAssertEqual(sections.map(\.title), ["Settings selected for sweepy"])
        XCTAssertTrue(sections[0].markdown.contains("| n-dms | – | bptt |"), sections[0].markdown)
        XCTAssertTrue(sections[0].markdown.hasSuffix("| lr=0.01 |"), sections[0].markdown)
    }

    func testAShardMissingSelectionCellsDefersTheEvaluation() throws {
        let experiment = try ProtocolParser.parse(protocolText(), file: "s.toml", defaultName: "s")
        let store = try ResultsStore(path: directory.appendingPathComponent("shard.sqlite").path)
        let summary = try ProtocolRunner.run(experiment, store: store, workers: 1, shard: (0, 2))
        XCTAssertTrue(summary.selectionIncomplete)
        XCTAssertEqual(summary.completed, 2)
        XCTAssertTrue(try store.runs(protocol: "sweepy").isEmpty)
    }

    func testTiesGoToTheLowerAreaThenGridOrder() {
        func record(_ ttc: Int?, area: Double, status: RunStatus) -> RunRecord {
            let result = TrainingResult(
                status: status, trialsToCriterion: ttc, trialsTrained: 100, divergedAtTrial: nil,
                final: Evaluation(loss: 1, accuracy: 0.5), curve: [], wallSeconds: 0)
            var metrics = LearningMetrics(result: result, budget: 100)
            metrics.areaUnderCurve = area
            return RunRecord(protocolName: "p", rule: "r", task: "t", seed: 1, condition: "", status: status, result: result, metrics: metrics, robustness: [])
        }
        let a = SweepPlan.Setting(learningRate: 0.1, clip: nil), b = SweepPlan.Setting(learningRate: 0.2, clip: nil), c = SweepPlan.Setting(learningRate: 0.3, clip: nil)
        let choice = SweepChoice.choose(
            task: "t", condition: "", rule: "r",
            runs: [(a, record(nil, area: 0.5, status: .budget)), (b, record(nil, area: 0.4, status: .budget)), (c, record(nil, area: .nan, status: .diverged))],
            grid: [a, b, c])
        XCTAssertEqual(choice.chosen, b)
        XCTAssertEqual(choice.scores.map(\.medianTrials), [100, 100, 200])
    }
}
