import Foundation

/// `plasticity export --csv DIR`: the results file as CSV tables for Python/R (one row per run,
/// curve point, metric, analysis point and geometry row; join on run_id). Made to load without
/// traps (docs/outputs.md): the unnamed condition is `default` (an empty field reads as NaN in
/// pandas and drops out of a groupby), `censored` is 0/1 and `trials_to_criterion_or_budget` holds
/// what the report's medians use (the budget for a censored run), every setting that ran is a
/// column of runs.csv, and curves are carried forward to the budget (`carried` = 1) the way the
/// report's mean and median curves hold a stopped run's last value.
public enum CSVExport {
    /// The label the export gives the single, unnamed condition of a protocol.
    public static let defaultCondition = "default"

    static let tables: [(file: String, sql: String)] = [
        ("runs.csv", """
            SELECT id AS run_id, cell_key, protocol, rule, task,
                CASE WHEN condition = '' THEN '\(defaultCondition)' ELSE condition END AS condition, seed, status,
                CASE WHEN status = 'reached' THEN 0 ELSE 1 END AS censored, trials_to_criterion,
                COALESCE(trials_to_criterion, budget) AS trials_to_criterion_or_budget, trials_trained,
                diverged_at_trial, budget, final_accuracy, final_loss, train_seconds, analysis_seconds, wall_seconds, version,
                finished_at, readout, settings_json, config_json FROM runs ORDER BY protocol, task, condition, rule, seed
            """),
        ("curves.csv", "SELECT run_id, trials, train_loss, validation_loss, validation_accuracy, 0 AS carried FROM curve_points ORDER BY run_id, trials"),
        ("metrics.csv", "SELECT run_id, name, value FROM metrics ORDER BY run_id, name"),
        ("analyses.csv", "SELECT run_id, analysis, level, accuracy FROM analysis_points ORDER BY run_id, analysis, position"),
        ("geometry_snapshots.csv", """
            SELECT run_id, trials, stable_fixed_points, unstable_fixed_points, slow_points, participation_ratio, dimension90, loss,
                stable_cycles, cycle_periods, aperiodic_trajectories, ode_stable_fixed_points, stability_disagreements, largest_ode_residual
                FROM geometry_snapshots ORDER BY run_id, trials
            """),
        ("gr_events.csv", "SELECT run_id, trials, previous_trials, kind, participation_ratio_change FROM gr_events ORDER BY run_id, trials, kind"),
        ("fixed_points.csv", """
            SELECT run_id, position, kind, speed, unstable_directions, pc1, pc2, ode_residual, ode_unstable_directions
                FROM fixed_points ORDER BY run_id, position
            """),
        ("geometry_paths.csv", "SELECT run_id, path, step, pc1, pc2 FROM geometry_paths ORDER BY run_id, path, step"),
        // Curricula (docs/curricula.md); the whole result (every head's curve) stays in curricula.result_json.
        ("curricula.csv", "SELECT run_id, kind, status, largest_n FROM curricula ORDER BY run_id"),
        ("curriculum_stages.csv", "SELECT run_id, position, lowest_n, largest_n, trials, passed FROM curriculum_stages ORDER BY run_id, position"),
        ("curriculum_stream.csv", "SELECT run_id, n, head, accuracy, baseline, relative, beyond FROM curriculum_stream ORDER BY run_id, n"),
        ("curriculum_measures.csv", """
            SELECT run_id, position, lowest_n, largest_n, trials, passed, tau_median, tau_q1, tau_q3, tau_net_median, tau_net_q1,
                tau_net_q3, failed_fits, dimension, participation_ratio, variance_fraction, tau_json, tau_net_json, fits_json
                FROM curriculum_measures ORDER BY run_id, position
            """),
    ]

    /// RFC 4180 quoting; NULL is an empty field.
    static func field(_ value: String?) -> String {
        guard let value else { return "" }
        if value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return value
    }

    /// Writes the tables into `directory` (created if missing); returns the paths written.
    @discardableResult
    public static func write(store: ResultsStore, to directory: String) throws -> [String] {
        try Directory.create(directory)
        var written: [String] = []
        for (file, sql) in tables {
            var (columns, rows) = try store.query(sql)
            if file == "runs.csv" { (columns, rows) = withSettingsColumns(columns, rows) }
            if file == "curves.csv" { rows = try carriedForward(rows, store: store) }
            var text = columns.map { field($0) }.joined(separator: ",") + "\n"
            for row in rows { text += row.map(field).joined(separator: ",") + "\n" }
            let path = (directory as NSString).appendingPathComponent(file)
            try AtomicFile.write(Data(text.utf8), to: path)
            written.append(path)
        }
        return written
    }

    /// runs.csv with `settings_json` replaced by one column per setting (`ResolvedConfiguration.flattened`:
    /// task parameters as `task_NAME`, rule settings as `rule_NAME`; the union over the file's runs,
    /// empty where a setting does not apply), placed before `config_json`.
    static func withSettingsColumns(_ columns: [String], _ rows: [[String?]]) -> ([String], [[String?]]) {
        guard let index = columns.firstIndex(of: "settings_json") else { return (columns, rows) }
        let decoder = JSONDecoder()
        let settings = rows.map { row in row[index].flatMap { try? decoder.decode(ResolvedConfiguration.self, from: Data($0.utf8)) }?.flattened }
        var names: [String] = []
        for pairs in settings.compactMap({ $0 }) {
            for (name, _) in pairs {
                let column = name.replacingOccurrences(of: ".", with: "_")
                if !columns.contains(column) && !names.contains(column) { names.append(column) }
            }
        }
        var newColumns = columns
        newColumns.replaceSubrange(index...index, with: names)
        let newRows: [[String?]] = zip(rows, settings).map { row, pairs in
            var values: [String: String] = [:]
            for (name, value) in pairs ?? [] { values[name.replacingOccurrences(of: ".", with: "_")] = value }
            var out = row
            out.replaceSubrange(index...index, with: names.map { values[$0].flatMap { $0.isEmpty ? nil : $0 } })
            return out
        }
        return (newColumns, newRows)
    }

    /// The curve rows with every run that stopped at its criterion carried forward on its own
    /// evaluation grid to its budget (whole batches), its last values repeated and `carried` = 1,
    /// so mean curves do not average over a shrinking set of runs. Runs trained to the budget are
    /// complete already; a diverged run is left where it stopped (its last value is not a loss).
    static func carriedForward(_ rows: [[String?]], store: ResultsStore) throws -> [[String?]] {
        let (_, runs) = try store.query("SELECT id, status, settings_json FROM runs")
        var grid: [String: (every: Int, end: Int)] = [:]
        for run in runs where run[1] == RunStatus.reached.rawValue {
            guard let id = run[0], let json = run[2],
                  let s = try? JSONDecoder().decode(ResolvedConfiguration.self, from: Data(json.utf8)), s.evalEvery > 0 else { continue }
            grid[id] = (s.evalEvery, s.budgetWholeBatches)
        }
        var out: [[String?]] = []
        for (i, row) in rows.enumerated() {
            out.append(row)
            guard let id = row[0], i + 1 == rows.count || rows[i + 1][0] != id, let g = grid[id], let last = row[1].flatMap(Int.init) else { continue }
            var t = last
            while t < g.end {
                t = min(t + g.every, g.end)
                var carried = row
                carried[1] = String(t)
                carried[carried.count - 1] = "1"
                out.append(carried)
            }
        }
        return out
    }
}
