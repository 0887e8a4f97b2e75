import Foundation
import GRDB

/// A curriculum cell's rows in the results file (migration `v5-curriculum`; docs/curricula.md):
/// `curricula` (one row per run: kind, status, largest N passed, the whole `CurriculumResult` as
/// JSON with every head's curve), `curriculum_stages` (trials per N) and `curriculum_stream`
/// (stream accuracy of every trained N and of N beyond, with the relative-accuracy baseline).
extension ResultsStore {
    /// Tables with a run_id column that `ResultsMerge` copies with each run.
    static let curriculumTables = ["curricula", "curriculum_stages", "curriculum_stream", "curriculum_measures"]

    /// Additive only: older files open, their runs have no curriculum rows.
    static func registerCurriculumMigrations(_ m: inout DatabaseMigrator) {
        m.registerMigration("v5-curriculum") { db in
            try db.execute(sql: """
                CREATE TABLE curricula (
                    run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL,
                    status TEXT NOT NULL,
                    largest_n INTEGER,
                    result_json TEXT NOT NULL
                );
                CREATE TABLE curriculum_stages (
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    lowest_n INTEGER NOT NULL,
                    largest_n INTEGER NOT NULL,
                    trials INTEGER NOT NULL,
                    passed INTEGER NOT NULL,
                    PRIMARY KEY (run_id, position)
                );
                CREATE TABLE curriculum_stream (
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    n INTEGER NOT NULL,
                    head INTEGER NOT NULL,
                    accuracy REAL,
                    baseline REAL,
                    relative REAL,
                    beyond INTEGER NOT NULL,
                    PRIMARY KEY (run_id, n)
                );
                """)
        }
        // Items 3 and 5: the network measured at each stage (CurriculumStageMeasures): quartiles of
        // tau (NULL for GRU and LSTM) and of the finite tau_net, failed fits, dimension and
        // participation ratio (medians over the stream's trials), and the per-neuron arrays as JSON.
        m.registerMigration("v6-curriculum-measures") { db in
            try db.execute(sql: """
                CREATE TABLE curriculum_measures (
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    lowest_n INTEGER NOT NULL,
                    largest_n INTEGER NOT NULL,
                    trials INTEGER NOT NULL,
                    passed INTEGER NOT NULL,
                    tau_median REAL,
                    tau_q1 REAL,
                    tau_q3 REAL,
                    tau_net_median REAL,
                    tau_net_q1 REAL,
                    tau_net_q3 REAL,
                    failed_fits INTEGER NOT NULL,
                    dimension REAL,
                    participation_ratio REAL,
                    variance_fraction REAL NOT NULL,
                    tau_json TEXT,
                    tau_net_json TEXT NOT NULL,
                    fits_json TEXT NOT NULL,
                    PRIMARY KEY (run_id, position)
                );
                """)
        }
    }

    static func saveCurriculum(_ c: CurriculumResult, runID id: Int64, db: Database) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try db.execute(
            sql: "INSERT INTO curricula (run_id, kind, status, largest_n, result_json) VALUES (?, ?, ?, ?, ?)",
            arguments: [id, c.kind.rawValue, c.status.rawValue, c.largestN, String(decoding: try encoder.encode(c), as: UTF8.self)])
        for (i, s) in c.stages.enumerated() {
            try db.execute(
                sql: "INSERT INTO curriculum_stages (run_id, position, lowest_n, largest_n, trials, passed) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [id, i, s.lowestN, s.largestN, s.trials, s.passed ? 1 : 0])
        }
        for (s, beyond) in c.retention.map({ ($0, 0) }) + c.generalisation.map({ ($0, 1) }) {
            try db.execute(
                sql: "INSERT INTO curriculum_stream (run_id, n, head, accuracy, baseline, relative, beyond) VALUES (?, ?, ?, ?, ?, ?, ?)",
                arguments: [id, s.n, s.head, finite(s.accuracy), s.baseline.flatMap(finite), s.relative.flatMap(finite), beyond])
        }
        for m in c.measures ?? [] {
            let net = m.tauNetQuartiles, tau = m.tauQuartiles
            func json<T: Encodable>(_ value: T) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }
            try db.execute(
                sql: """
                    INSERT INTO curriculum_measures (run_id, position, lowest_n, largest_n, trials, passed, tau_median, tau_q1, tau_q3,
                        tau_net_median, tau_net_q1, tau_net_q3, failed_fits, dimension, participation_ratio, variance_fraction,
                        tau_json, tau_net_json, fits_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    id, m.position, m.lowestN, m.largestN, m.trials, m.passed ? 1 : 0, tau.flatMap { finite($0.median) },
                    tau.flatMap { finite($0.q1) }, tau.flatMap { finite($0.q3) }, finite(net.median), finite(net.q1), finite(net.q3),
                    m.failedFits, finite(m.dimension), finite(m.participationRatio), m.varianceFraction,
                    try m.tau.map(json), try json(m.tauNet), try json(m.fits),
                ])
        }
    }

    /// Every stored curriculum result by run id.
    public func curricula() throws -> [Int64: CurriculumResult] {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try queue.read { db in
            var result: [Int64: CurriculumResult] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT run_id, result_json FROM curricula") {
                let json: String = row["result_json"]
                result[row["run_id"]] = try decoder.decode(CurriculumResult.self, from: Data(json.utf8))
            }
            return result
        }
    }
}
