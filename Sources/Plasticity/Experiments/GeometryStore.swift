import GRDB

/// The geometry analysis's rows in the results file (tables of migration `v2`; docs/protocols.md).
/// The event preceding the drop and its lag are metrics (`gr-event-trial`, `gr-lag`), not rows here.
extension ResultsStore {
    static func saveGeometry(_ g: GeometryResult, runID id: Int64, db: Database) throws {
        for s in g.snapshots {
            try db.execute(
                sql: """
                    INSERT INTO geometry_snapshots (run_id, trials, stable_fixed_points, unstable_fixed_points, slow_points,
                        participation_ratio, dimension90, loss) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [id, s.trials, s.stableFixedPoints, s.unstableFixedPoints, s.slowPoints,
                            finite(s.participationRatio), s.dimension90, s.loss.flatMap(finite)])
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
                sql: "INSERT INTO fixed_points (run_id, position, kind, speed, unstable_directions, pc1, pc2) VALUES (?, ?, ?, ?, ?, ?, ?)",
                arguments: [id, i, p.kind.rawValue, finite(p.speed), p.unstableDirections, finite(p.pc1), finite(p.pc2)])
        }
        for (i, path) in g.paths.enumerated() {
            for (step, (x, y)) in zip(path.pc1, path.pc2).enumerated() {
                try db.execute(
                    sql: "INSERT INTO geometry_paths (run_id, path, step, pc1, pc2) VALUES (?, ?, ?, ?, ?)",
                    arguments: [id, i, step, finite(x), finite(y)])
            }
        }
    }

    /// Every run's geometry by run id (runs with snapshots only); `eventTrial` and `lag` are left nil
    /// for the caller to fill from the metrics.
    static func readGeometry(_ db: Database) throws -> [Int64: GeometryResult] {
        var result: [Int64: GeometryResult] = [:]
        func entry(_ id: Int64) -> GeometryResult {
            result[id] ?? GeometryResult(snapshots: [], events: [], eventTrial: nil, lag: nil, finalPoints: [], paths: [])
        }
        for row in try Row.fetchAll(db, sql: "SELECT * FROM geometry_snapshots ORDER BY run_id, trials") {
            let id: Int64 = row["run_id"]
            var g = entry(id)
            g.snapshots.append(GeometrySnapshot(
                trials: row["trials"], stableFixedPoints: row["stable_fixed_points"], unstableFixedPoints: row["unstable_fixed_points"],
                slowPoints: row["slow_points"], participationRatio: row["participation_ratio"] ?? .nan,
                dimension90: row["dimension90"], loss: row["loss"]))
            result[id] = g
        }
        // One row per change; an event is the rows of one (run, trials), changes in the detector's order.
        for row in try Row.fetchAll(db, sql: "SELECT * FROM gr_events ORDER BY run_id, trials") {
            let id: Int64 = row["run_id"]
            guard var g = result[id], let change = GRChange(rawValue: row["kind"]) else { continue }
            let trials: Int = row["trials"]
            if g.events.last?.trials != trials {
                g.events.append(GREvent(
                    trials: trials, previousTrials: row["previous_trials"], changes: [],
                    participationRatioChange: row["participation_ratio_change"] ?? .nan))
            }
            g.events[g.events.count - 1].changes.append(change)
            g.events[g.events.count - 1].changes.sort { a, b in
                GRChange.allCases.firstIndex(of: a)! < GRChange.allCases.firstIndex(of: b)!
            }
            result[id] = g
        }
        for row in try Row.fetchAll(db, sql: "SELECT * FROM fixed_points ORDER BY run_id, position") {
            let id: Int64 = row["run_id"]
            guard var g = result[id], let kind = ProjectedFixedPoint.Kind(rawValue: row["kind"]) else { continue }
            g.finalPoints.append(ProjectedFixedPoint(
                kind: kind, speed: row["speed"] ?? .nan, unstableDirections: row["unstable_directions"],
                pc1: row["pc1"] ?? .nan, pc2: row["pc2"] ?? .nan))
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
}
