import Foundation

/// `plasticity export --csv DIR`: the results file as CSV tables for Python/R (one row per run,
/// curve point, metric, analysis point and geometry row; join on run_id).
public enum CSVExport {
    static let tables: [(file: String, sql: String)] = [
        ("runs.csv", """
            SELECT id AS run_id, cell_key, protocol, rule, task, condition, seed, status, trials_to_criterion, trials_trained,
                diverged_at_trial, budget, final_accuracy, final_loss, train_seconds, analysis_seconds, wall_seconds, version,
                finished_at, readout, config_json FROM runs ORDER BY protocol, task, condition, rule, seed
            """),
        ("curves.csv", "SELECT run_id, trials, train_loss, validation_loss, validation_accuracy FROM curve_points ORDER BY run_id, trials"),
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
            let (columns, rows) = try store.query(sql)
            var text = columns.map { field($0) }.joined(separator: ",") + "\n"
            for row in rows { text += row.map(field).joined(separator: ",") + "\n" }
            let path = (directory as NSString).appendingPathComponent(file)
            try AtomicFile.write(Data(text.utf8), to: path)
            written.append(path)
        }
        return written
    }
}
