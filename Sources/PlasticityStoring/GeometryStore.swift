import Foundation
import GRDB

/// The geometry analysis's rows in the results file (tables of migration `v2`, cycle columns of
/// `v3-geometry-cycles`, ODE columns of `v7-fixed-point-ode`; docs/protocols.md). The event preceding the escape and its lag are metrics
/// (`gr-event-trial`, `gr-lag`, `gr-lead`, `gr-lead-chance`), not rows here.
extension ResultsStore {
    /// Migrations of the geometry tables after `v2`; additive only, so older files open (their
    /// snapshots read back without cycles).
    static func registerGeometryMigrations(_ m: inout DatabaseMigrator) {
        // Periodic attractors per snapshot: count, periods ("2 4"), starts that found no period.
        m.registerMigration("v3-geometry-cycles") { db in
            try db.execute(sql: """
                ALTER TABLE geometry_snapshots ADD COLUMN stable_cycles INTEGER;
                ALTER TABLE geometry_snapshots ADD COLUMN cycle_periods TEXT;
                ALTER TABLE geometry_snapshots ADD COLUMN aperiodic_trajectories INTEGER;
                """)
        }
    }

    /// The fixed points as equilibria of the ODE dh/dt = F(h) - h (registered after every other
    /// migration; additive, so older files open and read back without ODE counts): per snapshot the
    /// ODE-stable fixed points, those whose map and ODE stability disagree and the largest residual;
    /// per final point its residual and the field's eigenvalues with real part >= 0.
    static func registerFixedPointODEMigration(_ m: inout DatabaseMigrator) {
        m.registerMigration("v7-fixed-point-ode") { db in
            try db.execute(sql: """
                ALTER TABLE geometry_snapshots ADD COLUMN ode_stable_fixed_points INTEGER;
                ALTER TABLE geometry_snapshots ADD COLUMN stability_disagreements INTEGER;
                ALTER TABLE geometry_snapshots ADD COLUMN largest_ode_residual REAL;
                ALTER TABLE fixed_points ADD COLUMN ode_residual REAL;
                ALTER TABLE fixed_points ADD COLUMN ode_unstable_directions INTEGER;
                """)
        }
    }

    static func saveGeometry(_ g: GeometryResult, runID id: Int64, db: Database) throws {
        for s in g.snapshots {
            try db.execute(
                sql: """
                    INSERT INTO geometry_snapshots (run_id, trials, stable_fixed_points, unstable_fixed_points, slow_points,
                        participation_ratio, dimension90, loss, stable_cycles, cycle_periods, aperiodic_trajectories,
                        ode_stable_fixed_points, stability_disagreements, largest_ode_residual)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [id, s.trials, s.stableFixedPoints, s.unstableFixedPoints, s.slowPoints,
                            finite(s.participationRatio), s.dimension90, s.loss.flatMap(finite),
                            s.cycles?.stable, s.cycles.map { $0.periods.map(String.init).joined(separator: " ") },
                            s.cycles?.aperiodicTrajectories,
                            s.ode?.stableFixedPoints, s.ode?.disagreements, s.ode.flatMap { finite($0.largestResidual) }])
        }
        for e in g.events {
            for change in e.changes {
                try db.execute(
                    sql: "INSERT INTO gr_events (run_id, trials, previous_trials, kind, participation_ratio_change) VALUES (?, ?, ?, ?, ?)",
                    arguments: [id, e.trials, e.previousTrials, change.rawValue, finite(e.participationRatioChange)])
            }
        }
        for (i, p) in g.finalPoints.enumerated() {
            try db.execute(
                sql: """
                    INSERT INTO fixed_points (run_id, position, kind, speed, unstable_directions, pc1, pc2, ode_residual, ode_unstable_directions)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [id, i, p.kind.rawValue, finite(p.speed), p.unstableDirections, finite(p.pc1), finite(p.pc2),
                            p.odeResidual.flatMap(finite), p.odeUnstableDirections])
        }
        for (i, path) in g.paths.enumerated() {
            for (step, (x, y)) in zip(path.pc1, path.pc2).enumerated() {
                try db.execute(
                    sql: "INSERT INTO geometry_paths (run_id, path, step, pc1, pc2) VALUES (?, ?, ?, ?, ?)",
                    arguments: [id, i, step, finite(x), finite(y)])
            }
        }
    }

    /// Every run's snapshots, final points and paths by run id (runs with snapshots only). Events are
    /// not read back (the `gr_events` rows are for exports): `runs()` recomputes events and timing
    /// from the snapshots (`recomputed`).
    static func readGeometry(_ db: Database) throws -> [Int64: GeometryResult] {
        var result: [Int64: GeometryResult] = [:]
        func entry(_ id: Int64) -> GeometryResult {
            result[id] ?? GeometryResult(snapshots: [], events: [], eventTrial: nil, lag: nil, finalPoints: [], paths: [])
        }
        for row in try Row.fetchAll(db, sql: "SELECT * FROM geometry_snapshots ORDER BY run_id, trials") {
            let id: Int64 = row["run_id"]
            var g = entry(id)
            let stableCycles: Int? = row["stable_cycles"]
            let periods: String? = row["cycle_periods"]
            let cycles = stableCycles.map { n in
                CycleCounts(
                    stable: n, periods: (periods ?? "").split(separator: " ").compactMap { Int($0) },
                    aperiodicTrajectories: (row["aperiodic_trajectories"] as Int?) ?? 0)
            }
            let odeStable: Int? = row["ode_stable_fixed_points"]
            let ode = odeStable.map { n in
                ODEStabilityCounts(
                    stableFixedPoints: n, disagreements: (row["stability_disagreements"] as Int?) ?? 0,
                    largestResidual: row["largest_ode_residual"] ?? .nan)
            }
            g.snapshots.append(GeometrySnapshot(
                trials: row["trials"], stableFixedPoints: row["stable_fixed_points"], unstableFixedPoints: row["unstable_fixed_points"],
                slowPoints: row["slow_points"], participationRatio: row["participation_ratio"] ?? .nan,
                dimension90: row["dimension90"], loss: row["loss"], cycles: cycles, ode: ode))
            result[id] = g
        }
        for row in try Row.fetchAll(db, sql: "SELECT * FROM fixed_points ORDER BY run_id, position") {
            let id: Int64 = row["run_id"]
            guard var g = result[id], let kind = ProjectedFixedPoint.Kind(rawValue: row["kind"]) else { continue }
            g.finalPoints.append(ProjectedFixedPoint(
                kind: kind, speed: row["speed"] ?? .nan, unstableDirections: row["unstable_directions"],
                pc1: row["pc1"] ?? .nan, pc2: row["pc2"] ?? .nan,
                odeResidual: row["ode_residual"], odeUnstableDirections: row["ode_unstable_directions"]))
            result[id] = g
        }
        for row in try Row.fetchAll(db, sql: "SELECT * FROM geometry_paths ORDER BY run_id, path, step") {
            let id: Int64 = row["run_id"]
            guard var g = result[id] else { continue }
            let path: Int = row["path"]
            if g.paths.count <= path { g.paths.append(ProjectedPath(pc1: [], pc2: [])) }
            g.paths[path].pc1.append(row["pc1"] ?? .nan)
            g.paths[path].pc2.append(row["pc2"] ?? .nan)
            result[id] = g
        }
        return result
    }

    /// A stored run's geometry with its events and timing recomputed from its snapshots, with the
    /// detector of the run's configuration (default settings when it does not decode): the same as at
    /// run time for current files, and today's definitions (persistence, kinds) for older ones.
    static func recomputed(_ g: GeometryResult, configJSON: String, metrics: LearningMetrics) -> GeometryResult {
        let cell = try? JSONDecoder().decode(ExperimentCell.self, from: Data(configJSON.utf8))
        let detector = cell?.analyses.geometry?.detector ?? GRDetectorConfig()
        return GeometryResult(
            snapshots: g.snapshots, escapeTrial: GREventTiming.escapeTrial(metrics), detector: detector,
            finalPoints: g.finalPoints, paths: g.paths)
    }
}
