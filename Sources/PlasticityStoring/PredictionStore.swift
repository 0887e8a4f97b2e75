import Foundation
import GRDB

/// The `[predictions]` observables of each run (migration `v8-predictions-measures`;
/// docs/predictions.md): one row per run and observable name, like `metrics`, kept apart so the
/// learning metrics keep their meaning and older files simply have no rows.
extension ResultsStore {
    /// Tables with a run_id column that `ResultsMerge` copies with each run.
    static let predictionTables = ["prediction_measures"]

    /// Additive only: older files open, their runs have no prediction rows.
    static func registerPredictionMigrations(_ m: inout DatabaseMigrator) {
        m.registerMigration("v8-predictions-measures") { db in
            try db.execute(sql: """
                CREATE TABLE prediction_measures (
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    value REAL,
                    PRIMARY KEY (run_id, name)
                );
                """)
        }
    }

    static func savePredictions(_ values: [String: Double], runID id: Int64, db: Database) throws {
        for name in values.keys.sorted() {
            try db.execute(
                sql: "INSERT INTO prediction_measures (run_id, name, value) VALUES (?, ?, ?)",
                arguments: [id, name, values[name].flatMap(ResultsStore.finite)])
        }
    }

    /// Every run's prediction observables by run id (NULL read back as NaN).
    public func predictionMeasures() throws -> [Int64: [String: Double]] {
        try queue.read { db in
            var result: [Int64: [String: Double]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT run_id, name, value FROM prediction_measures") {
                result[row["run_id"], default: [:]][row["name"]] = row["value"] ?? .nan
            }
            return result
        }
    }
}
