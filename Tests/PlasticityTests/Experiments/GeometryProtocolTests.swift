import GRDB
import XCTest
@testable import Plasticity
@testable import PlasticityStoring

final class GeometryProtocolTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("geometry-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// BPTT, tanh N = 12, flip-flop T = 30, 480 trials, evaluations every 32 trials, 2 seeds.
    func tinyProtocol() throws -> ExperimentProtocol {
        try ProtocolParser.parse("""
            name = "tiny-geometry"
            rules = ["bptt"]
            tasks = ["flipflop3"]
            seeds = 2
            [task-parameters]
            T = 30
            [model]
            hidden = 12
            activation = "tanh"
            gain = 0.8
            [training]
            batch = 16
            max-trials = 480
            eval-every = 32
            validation-size = 32
            learning-rate = 0.02
            stop-at-criterion = false
            [geometry]
            every = 2
            starts = 24
            probe-trials = 8
            paths = 3
            """, file: "tiny-geometry.toml", defaultName: "tiny-geometry")
    }

    func testGeometryAnalysisRunsEndToEndIntoTheResultsFile() throws {
        let experiment = try tinyProtocol()
        let one = try ResultsStore(path: path("one.sqlite")), two = try ResultsStore(path: path("two.sqlite"))
        _ = try ProtocolRunner.run(experiment, store: one, workers: 1)
        _ = try ProtocolRunner.run(experiment, store: two, workers: 2)
        let fingerprint = try one.fingerprint()
        XCTAssertEqual(try two.fingerprint(), fingerprint, "same seed, same geometry, any number of workers")
        XCTAssertTrue(fingerprint.contains("geometry_snapshots ") && fingerprint.contains("fixed_points "))

        let runs = try one.runs()
        XCTAssertEqual(runs.count, 2)
        for run in runs {
            let g = try XCTUnwrap(run.record.geometry)
            let curve = run.record.result.curve
            // every = 2: evaluations 0, 2, 4, ... plus the final network (the 16th evaluation at 480 trials).
            let expected = stride(from: 0, to: curve.count, by: 2).map { curve[$0].trials } + [480]
            XCTAssertEqual(g.snapshots.map(\.trials), expected)
            for s in g.snapshots {
                let point = try XCTUnwrap(curve.first { $0.trials == s.trials })
                XCTAssertEqual(s.loss, point.validationLoss, "a snapshot carries the loss of its evaluation")
                XCTAssertGreaterThan(s.participationRatio, 1)
                XCTAssertLessThanOrEqual(s.participationRatio, 12)
            }
            XCTAssertEqual(g.snapshots.first?.stableFixedPoints, 1, "an untrained g = 0.8 net has one attractor, the origin")
            XCTAssertEqual(g.snapshots.first?.cycles?.stable, 0, "and no cycle")
            XCTAssertTrue(g.snapshots.allSatisfy { $0.cycles != nil }, "every snapshot searched for cycles")
            XCTAssertEqual(g.finalPoints.filter { $0.kind == .stable }.count, g.snapshots.last?.stableFixedPoints)
            // Every snapshot checked its fixed points against the vector field: map-stable implies ODE-stable,
            // the disagreements are the difference, and the residuals are below the search's tolerance.
            for s in g.snapshots {
                let ode = try XCTUnwrap(s.ode)
                XCTAssertEqual(ode.stableFixedPoints - s.stableFixedPoints, ode.disagreements)
                XCTAssertLessThanOrEqual(ode.stableFixedPoints, s.stableFixedPoints + s.unstableFixedPoints)
                XCTAssertLessThanOrEqual(ode.largestResidual, (2e-14).squareRoot())
            }
            XCTAssertTrue(g.finalPoints.allSatisfy { $0.odeResidual != nil && $0.odeUnstableDirections != nil })
            XCTAssertEqual(
                g.finalPoints.filter { $0.kind != .slow && $0.odeUnstableDirections == 0 }.count, g.snapshots.last?.ode?.stableFixedPoints)
            XCTAssertEqual(g.paths.count, 3)
            XCTAssertEqual(g.paths.map(\.pc1.count), [31, 31, 31])
            XCTAssertEqual(g.events, GeometricRestructuring.events(g.snapshots), "events read back equal the detector's")
            // Timing is measured against the escape from the baseline plateau; a run without one has none.
            if let escape = GREventTiming.escapeTrial(run.record.metrics) {
                let timing = try XCTUnwrap(GREventTiming.timing(events: g.events, snapshots: g.snapshots, escapeTrial: escape))
                XCTAssertEqual(g.timing, timing)
                XCTAssertEqual(g.eventTrial, timing.precedingEventTrial)
                XCTAssertEqual(g.lag, timing.lag)
                if let trial = g.eventTrial { XCTAssertLessThan(trial, escape, "strictly before the escape") }
            } else {
                XCTAssertNil(g.timing)
                XCTAssertNil(g.eventTrial)
            }
        }
        let escaped = runs.filter { GREventTiming.escapeTrial($0.record.metrics) != nil }.count
        // The metrics: gr-events always, gr-event-trial and gr-lag only when an event precedes the escape.
        let metrics = try one.query("SELECT name, COUNT(*) FROM metrics WHERE name LIKE 'gr-%' GROUP BY name ORDER BY name").rows
        let leadingRuns = runs.filter { $0.record.geometry?.lag != nil }.count
        XCTAssertEqual(metrics.first { $0[0] == "gr-events" }?[1], "2")
        XCTAssertEqual(metrics.first { $0[0] == "gr-lag" }?[1], leadingRuns > 0 ? "\(leadingRuns)" : nil)
        XCTAssertEqual(metrics.first { $0[0] == "gr-lead" }?[1], escaped > 0 ? "\(escaped)" : nil, "timing needs an escape")
        XCTAssertEqual(metrics.first { $0[0] == "gr-lead-chance" }?[1], escaped > 0 ? "\(escaped)" : nil)

        let written = try Report.write(store: one, to: path("report"))
        let html = try String(contentsOfFile: written[0], encoding: .utf8)
        XCTAssertTrue(html.contains("Geometric restructuring") && html.contains("loss and GR events") && html.contains("final fixed points"))
        let markdown = try String(contentsOfFile: written[1], encoding: .utf8)
        XCTAssertTrue(markdown.contains("| bptt | 2 | \(escaped)/2 |") && markdown.contains("event precedes escape") && markdown.contains("permutation p"), markdown)
        XCTAssertTrue(html.contains("stable cycles"))
        XCTAssertTrue(html.contains("equilibria of the ODE") && markdown.contains("map-unstable, ODE-stable"), markdown)
        XCTAssertTrue(markdown.contains("| rule | runs | fixed points | stable as map (ρ(J) < 1) | stable as ODE (Re λ(J − I) < 0) |"), markdown)
        let csv = try CSVExport.write(store: one, to: path("csv"))
        let snapshots = try String(contentsOfFile: try XCTUnwrap(csv.first { $0.hasSuffix("geometry_snapshots.csv") }), encoding: .utf8)
        XCTAssertEqual(snapshots.split(separator: "\n").count, 1 + runs.reduce(0) { $0 + $1.record.geometry!.snapshots.count })
        XCTAssertTrue(snapshots.hasPrefix("""
            run_id,trials,stable_fixed_points,unstable_fixed_points,slow_points,participation_ratio,dimension90,loss,\
            stable_cycles,cycle_periods,aperiodic_trajectories,ode_stable_fixed_points,stability_disagreements,largest_ode_residual\n
            """))
        let points = try String(contentsOfFile: try XCTUnwrap(csv.first { $0.hasSuffix("fixed_points.csv") }), encoding: .utf8)
        XCTAssertTrue(points.hasPrefix("run_id,position,kind,speed,unstable_directions,pc1,pc2,ode_residual,ode_unstable_directions\n") && points.contains(",stable,"))
    }

    func testWithoutGeometryNothingIsStoredForIt() throws {
        var experiment = try tinyProtocol()
        experiment.analyses.geometry = nil
        experiment.seeds = [1]
        let store = try ResultsStore(path: path("plain.sqlite"))
        _ = try ProtocolRunner.run(experiment, store: store, workers: 1)
        XCTAssertNil(try store.runs().first?.record.geometry)
        XCTAssertEqual(try store.query("SELECT COUNT(*) FROM geometry_snapshots").rows, [["0"]])
        XCTAssertEqual(try store.query("SELECT COUNT(*) FROM metrics WHERE name LIKE 'gr-%'").rows, [["0"]])
    }

    /// A file written before the geometry tables existed (schema v1) opens, migrates to v2 and reads.
    func testVersionOneFileIsMigrated() throws {
        let file = path("v1.sqlite")
        let queue = try DatabaseQueue(path: file)
        try ResultsStore.migrator.migrate(queue, upTo: "v1")
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO runs (id, cell_key, protocol, rule, task, condition, seed, config_json, status, trials_trained,
                    budget, final_accuracy, final_loss, train_seconds, analysis_seconds, wall_seconds, version, finished_at)
                VALUES (1, 'k', 'old', 'bptt', 'flipflop3', '', 1, '{}', 'budget', 64, 64, 0.5, 0.9, 1, 0, 1, '0', 'then')
                """)
        }
        try queue.close()
        let store = try ResultsStore.open(existing: file)
        let runs = try store.runs()
        XCTAssertEqual(runs.map(\.record.protocolName), ["old"])
        XCTAssertNil(runs[0].record.geometry)
        XCTAssertEqual(try store.query("SELECT COUNT(*) FROM gr_events").rows, [["0"]])
    }

    /// A file written before the cycle search (schema v2) opens and migrates; its snapshots read back
    /// without cycles, and its events are recomputed with today's detector (changes must persist).
    func testVersionTwoFileReadsWithTodaysEvents() throws {
        let file = path("v2.sqlite")
        let queue = try DatabaseQueue(path: file)
        try ResultsStore.migrator.migrate(queue, upTo: "v2")
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO runs (id, cell_key, protocol, rule, task, condition, seed, config_json, status, trials_trained,
                    budget, final_accuracy, final_loss, train_seconds, analysis_seconds, wall_seconds, version, finished_at)
                VALUES (1, 'k', 'old', 'bptt', 'flipflop3', '', 1, '{}', 'budget', 500, 500, 0.5, 0.9, 1, 0, 1, '0', 'then');
                INSERT INTO metrics (run_id, name, value) VALUES (1, 'trial_of_largest_drop', 450);
                INSERT INTO metrics (run_id, name, value) VALUES (1, 'trivial-baseline', 1), (1, 'curve-baseline', 1),
                    (1, 'plateau-entry', 0), (1, 'plateau', 450), (1, 'escape-trial', 450);
                """)
            // Stable fixed points 1, 2, 1, 1, 3, 3: the flip at 100 is noise, the change at 400 lasts.
            for (i, stable) in [1, 2, 1, 1, 3, 3].enumerated() {
                try db.execute(
                    sql: "INSERT INTO geometry_snapshots (run_id, trials, stable_fixed_points, unstable_fixed_points, slow_points, participation_ratio, dimension90, loss) VALUES (1, ?, ?, 0, 0, 2, 1, 0.5)",
                    arguments: [i * 100, stable])
            }
            // The old detector's rows (every flip), under the old kind name.
            for t in [100, 200, 400] {
                try db.execute(sql: "INSERT INTO gr_events (run_id, trials, previous_trials, kind, participation_ratio_change) VALUES (1, ?, ?, 'attractors', 0)", arguments: [t, t - 100])
            }
        }
        try queue.close()
        let store = try ResultsStore.open(existing: file)
        let g = try XCTUnwrap(try store.runs().first?.record.geometry)
        XCTAssertEqual(g.snapshots.map(\.stableFixedPoints), [1, 2, 1, 1, 3, 3])
        XCTAssertTrue(g.snapshots.allSatisfy { $0.cycles == nil })
        XCTAssertTrue(g.snapshots.allSatisfy { $0.ode == nil }, "no ODE counts before v7-fixed-point-ode")
        XCTAssertEqual(g.events.map(\.trials), [400])
        XCTAssertEqual(g.events.first?.changes, [.stableFixedPoints])
        XCTAssertEqual(g.eventTrial, 400)
        XCTAssertEqual(g.lag, 50)
        XCTAssertEqual(g.timing?.leads, true)
        let markdown = Report.markdown(GroupSummary.make(try store.runs(), protocols: [:]), source: file)
        XCTAssertTrue(markdown.contains("| bptt | 1 | 1/1 | 1 | 1 | 1/1 | 50 | 1/1 |"), markdown)
    }

    /// Snapshots' ODE counts and final points' residuals and ODE-unstable directions read back as saved
    /// (migration v7-fixed-point-ode); a snapshot or point without them reads back without them.
    func testODECountsRoundTripThroughTheStore() throws {
        let queue = try DatabaseQueue(path: path("ode.sqlite"))
        try ResultsStore.migrator.migrate(queue)
        let snapshots = [
            GeometrySnapshot(trials: 0, stableFixedPoints: 1, unstableFixedPoints: 0, slowPoints: 0, participationRatio: 1.5, dimension90: 1, loss: 0.9),
            GeometrySnapshot(
                trials: 100, stableFixedPoints: 2, unstableFixedPoints: 3, slowPoints: 1, participationRatio: 2.5, dimension90: 2, loss: 0.4,
                cycles: CycleCounts(stable: 1, periods: [2], aperiodicTrajectories: 0),
                ode: ODEStabilityCounts(stableFixedPoints: 4, disagreements: 2, largestResidual: 3.25e-9)),
        ]
        let points = [
            ProjectedFixedPoint(kind: .stable, speed: 1e-30, unstableDirections: 0, pc1: 1, pc2: 2, odeResidual: 1.4e-15, odeUnstableDirections: 0),
            ProjectedFixedPoint(kind: .unstable, speed: 2e-29, unstableDirections: 1, pc1: -1, pc2: 0.5, odeResidual: 6.3e-15, odeUnstableDirections: 0),
            ProjectedFixedPoint(kind: .slow, speed: 1e-8, unstableDirections: 2, pc1: 0, pc2: 0),
        ]
        let saved = GeometryResult(snapshots: snapshots, events: [], eventTrial: nil, lag: nil, finalPoints: points, paths: [])
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO runs (id, cell_key, protocol, rule, task, condition, seed, config_json, status, trials_trained,
                    budget, final_accuracy, final_loss, train_seconds, analysis_seconds, wall_seconds, version, finished_at)
                VALUES (1, 'k', 'p', 'bptt', 'flipflop3', '', 1, '{}', 'budget', 100, 100, 0.5, 0.9, 1, 0, 1, '0', 'then')
                """)
            try ResultsStore.saveGeometry(saved, runID: 1, db: db)
        }
        let read = try XCTUnwrap(try queue.read { try ResultsStore.readGeometry($0) }[1])
        XCTAssertEqual(read.snapshots, snapshots)
        XCTAssertEqual(read.finalPoints, points)
        XCTAssertEqual(read.finalPoints.map(\.isStableOnlyUnderODE), [false, true, false])
    }
}
