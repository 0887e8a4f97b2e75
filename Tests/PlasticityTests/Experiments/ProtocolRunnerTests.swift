import XCTest
@testable import Plasticity
@testable import PlasticityStoring

final class ProtocolRunnerTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("runner-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// 2 conditions × 3 seeds, hidden 8, a few hundred trials; one condition diverges on purpose.
    func tinyProtocol(maxTrials: Int = 320) throws -> ExperimentProtocol {
        try ProtocolParser.parse("""
            name = "tiny"
            rules = ["bptt"]
            tasks = ["flipflop3"]
            seeds = 3
            [task-parameters]
            T = 30
            [model]
            hidden = 8
            activation = "tanh"
            [training]
            batch = 16
            max-trials = \(maxTrials)
            eval-every = 64
            validation-size = 32
            learning-rate = 0.01
            [[conditions]]
            label = "ok"
            [[conditions]]
            label = "diverging"
            model = { gain = 100.0, activation = "relu" }
            training = { optimizer = "sgd", learning-rate = 10.0 }
            task-parameters = { T = 200 }
            [ablation]
            steps = 2
            orders = ["random", "tau"]
            draws = 2
            trials = 32
            [perturbation]
            weights = [0, 1]
            state = [0, 1]
            tau = []
            draws = 2
            trials = 32
            """, file: "tiny.toml", defaultName: "tiny")
    }

    func testSameResultsForOneAndTwoWorkersAndResumeSkipsStoredCells() throws {
        let experiment = try tinyProtocol()
        let one = try ResultsStore(path: path("one.sqlite")), two = try ResultsStore(path: path("two.sqlite"))
        let s1 = try ProtocolRunner.run(experiment, store: one, workers: 1)
        let s2 = try ProtocolRunner.run(experiment, store: two, workers: 2)
        XCTAssertEqual(s1.completed, 6)
        XCTAssertEqual(s2.completed, 6)
        XCTAssertEqual(s1.diverged, 3)
        let fingerprint = try one.fingerprint()
        XCTAssertEqual(try two.fingerprint(), fingerprint)
        XCTAssertTrue(fingerprint.contains("ablation-tau"))

        let again = try ProtocolRunner.run(experiment, store: one, workers: 2)
        XCTAssertEqual(again.skipped, 6)
        XCTAssertEqual(again.completed, 0)
        XCTAssertEqual(try one.count(), 6)
        XCTAssertEqual(try one.fingerprint(), fingerprint)

        // Shards written into one file add up to the whole protocol.
        let sharded = try ResultsStore(path: path("sharded.sqlite"))
        for i in 0..<4 { _ = try ProtocolRunner.run(experiment, store: sharded, workers: 1, shard: (i, 4)) }
        XCTAssertEqual(try sharded.fingerprint(), fingerprint)
    }

    func testDivergedCellsAreStoredWithTheirTrialAndTheRestRuns() throws {
        let store = try ResultsStore(path: path("d.sqlite"))
        _ = try ProtocolRunner.run(try tinyProtocol(), store: store, workers: 2)
        let runs = try store.runs()
        XCTAssertEqual(runs.count, 6)
        for run in runs where run.record.condition == "diverging" {
            XCTAssertEqual(run.record.status, .diverged)
            XCTAssertNotNil(run.record.result.divergedAtTrial)
            XCTAssertTrue(run.record.robustness.isEmpty)
            XCTAssertNil(try store.parameters(runID: run.id))
        }
        for run in runs where run.record.condition == "ok" {
            XCTAssertNotEqual(run.record.status, .diverged)
            XCTAssertEqual(run.record.robustness.map(\.kind), ["ablation-random", "ablation-tau", "perturb-state", "perturb-weights"])
            XCTAssertEqual(run.record.result.curve.first?.trials, 0)
            let expected: Int = 8 * 8 + 8 * 3 + 8 + 3 * 8 + 3 + 8  // W, U, b, V, c, tau
            XCTAssertEqual(try store.parameters(runID: run.id)?.count, expected)
        }
        // The report says in words what the censored and diverged runs mean.
        let groups = GroupSummary.make(runs, protocols: ["tiny": try tinyProtocol()])
        let diverging = try XCTUnwrap(groups.first { $0.condition == "diverging" })
        XCTAssertEqual(diverging.verdicts, ["bptt: reached the criterion in none of its 3 runs within 320 trials; every run diverged (docs/protocols.md: NaN/Inf or the divergence bound)."])
        XCTAssertTrue(diverging.markdown.contains(diverging.verdicts[0]))
        let ok = try XCTUnwrap(groups.first { $0.condition == "ok" })
        for verdict in ok.verdicts {
            XCTAssertTrue(verdict.hasPrefix("bptt: reached the criterion in none of its 3 runs within 320 trials; its "), verdict)
            XCTAssertTrue(verdict.contains("still learning") || verdict.contains("learned nothing measurable"), verdict)
        }
    }

    func testChangedProtocolIsRefusedNotMixed() throws {
        let store = try ResultsStore(path: path("c.sqlite"))
        _ = try ProtocolRunner.run(try tinyProtocol(), store: store, workers: 2)
        XCTAssertThrowsError(try ProtocolRunner.run(try tinyProtocol(maxTrials: 352), store: store, workers: 2)) { error in
            let message = (error as? InputError)?.message ?? ""
            XCTAssertTrue(message.contains("c.sqlite") && message.contains("changed"), message)
        }
        XCTAssertEqual(try store.count(), 6)
    }

    func testReportAndExportWriteTheirFiles() throws {
        let store = try ResultsStore(path: path("r.sqlite"))
        _ = try ProtocolRunner.run(try tinyProtocol(), store: store, workers: 2)
        let written = try Report.write(store: store, to: path("report/nested"))
        let html = try String(contentsOfFile: written[0], encoding: .utf8)
        XCTAssertTrue(html.contains("<svg") && html.contains("Learning curves") && html.contains("Ablation (tau order)"))
        XCTAssertTrue(html.contains("trivial baseline"), "the baseline is drawn on the learning curves")
        let markdown = try String(contentsOfFile: written[1], encoding: .utf8)
        XCTAssertTrue(markdown.contains("| bptt | 3 |"))
        XCTAssertTrue(markdown.contains("(n 3, 75%)"), "intervals state n and their exact coverage")
        XCTAssertTrue(markdown.contains("final loss / baseline"))
        let csv = try CSVExport.write(store: store, to: path("csv"))
        XCTAssertEqual(csv.map { URL(fileURLWithPath: $0).lastPathComponent }, [
            "runs.csv", "curves.csv", "metrics.csv", "analyses.csv",
            "geometry_snapshots.csv", "gr_events.csv", "fixed_points.csv", "geometry_paths.csv",
            "curricula.csv", "curriculum_stages.csv", "curriculum_stream.csv", "curriculum_measures.csv",
        ])
        let runs = try String(contentsOfFile: csv[0], encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(runs.count, 7)
        XCTAssertTrue(runs[0].hasPrefix("run_id,cell_key,protocol,rule,task,condition,seed,status"))
    }

    /// Runs stored before the trivial baseline existed read back with it recomputed from their
    /// configuration, and the baseline-relative measures recomputed from the stored curve.
    func testRunsWithoutStoredBaselineGetItRecomputed() throws {
        let store = try ResultsStore(path: path("b.sqlite"))
        _ = try ProtocolRunner.run(try tinyProtocol(), store: store, workers: 2)
        let before = try store.runs()
        try store.queue.write { db in
            try db.execute(sql: "DELETE FROM metrics WHERE name IN ('trivial-baseline', 'curve-baseline', 'plateau-entry', 'plateau', 'plateau-censored', 'escape-trial', 'escape-abruptness', 'final-loss-normalised')")
        }
        let after = try store.runs()
        XCTAssertEqual(after.count, before.count)
        for (a, b) in zip(after, before) {
            XCTAssertTrue(b.record.metrics.curveBaseline.isFinite)
            XCTAssertEqual(a.record.metrics.baseline, b.record.metrics.baseline)
            XCTAssertEqual(a.record.metrics.curveBaseline, b.record.metrics.curveBaseline)
            XCTAssertEqual(a.record.metrics.plateauLength, b.record.metrics.plateauLength)
            XCTAssertEqual(a.record.metrics.escapeTrial, b.record.metrics.escapeTrial)
        }
    }

    func testEditingARuleFileChangesTheCellKey() throws {
        let ruleFile = path("my-bptt.toml")
        func write(lr: Double) throws {
            try """
                implementation = "bptt"
                description = "BPTT at a rate of my own"
                citation = "test"
                [optimizer]
                learning-rate = \(lr)
                """.write(toFile: ruleFile, atomically: true, encoding: .utf8)
        }
        func key() throws -> String {
            let p = try ProtocolParser.parse("""
                name = "edit"
                rules = ["\(ruleFile)"]
                tasks = ["flipflop3"]
                """, file: "edit.toml", defaultName: "edit")
            return try XCTUnwrap(p.cells.first).key
        }
        try write(lr: 0.01)
        let before = try key()
        XCTAssertEqual(try key(), before, "the key is stable while the file is unchanged")
        try write(lr: 0.02)
        XCTAssertNotEqual(try key(), before, "an edited rule file must not reuse stored results")
    }

    func testNotAResultsFileIsAnInputError() throws {
        try Data("hello".utf8).write(to: URL(fileURLWithPath: path("bad.sqlite")))
        XCTAssertThrowsError(try ResultsStore(path: path("bad.sqlite"))) { error in
            XCTAssertTrue((error as? InputError)?.message.contains("bad.sqlite") ?? false, "\(error)")
        }
        XCTAssertThrowsError(try ResultsStore.open(existing: path("missing.sqlite"))) { error in
            XCTAssertTrue((error as? InputError)?.message.hasSuffix("missing.sqlite: no such file") ?? false)
        }
    }

    func testTCRScheduleIsStoredWithTheRun() throws {
        let experiment = try ProtocolParser.parse("""
            name = "tcr-store"
            rules = ["bptt"]
            tasks = ["flipflop3"]
            modifiers = [{ kind = "tcr", lambda = 0.5, schedule = "freeze-in", freeze-until = 64, anneal-until = 128 }]
            [task-parameters]
            T = 20
            [model]
            hidden = 8
            activation = "tanh"
            [training]
            batch = 16
            max-trials = 256
            eval-every = 64
            validation-size = 32
            stop-at-criterion = false
            """, file: "t.toml", defaultName: "t")
        let store = try ResultsStore(path: path("tcr.sqlite"))
        _ = try ProtocolRunner.run(experiment, store: store, workers: 1)
        let csv = path("csv")
        try CSVExport.write(store: store, to: csv)
        let metrics = try String(contentsOfFile: csv + "/metrics.csv", encoding: .utf8)
        XCTAssertTrue(metrics.contains("tcr-max-lambda,0.5"), metrics)
        XCTAssertTrue(metrics.contains("tcr-final-lambda,0"), "freeze-in anneals to 0 by trial 128: \(metrics)")
    }
}
