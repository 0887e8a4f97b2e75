import Foundation
import GRDB

/// Where a stored protocol's cells spent their wall time (issue 16: protocols should spend it training):
/// training proper, evaluation on the validation set during training (the curve and the criterion,
/// `evaluation-seconds`), and the analyses after training (robustness curves, geometry with its
/// snapshots taken during training, curricula's measures). Summed over the stored cells, as each cell
/// measured itself on its worker; the fractions are of the cells' summed wall time.
public enum TimeProfile {
    public struct Entry: Equatable, Sendable, Codable {
        public var protocolName: String
        public var cells: Int
        public var wallSeconds: Double
        public var trainingSeconds: Double
        public var evaluationSeconds: Double
        public var analysisSeconds: Double

        /// Evaluation plus analyses over the wall time: the share not spent training.
        public var nonTrainingFraction: Double { wallSeconds > 0 ? (evaluationSeconds + analysisSeconds) / wallSeconds : 0 }
    }

    public static func entries(of store: ResultsStore) throws -> [Entry] {
        try store.queue.read { db in
            let sql = """
                SELECT r.protocol AS protocol, COUNT(*) AS cells, SUM(r.wall_seconds) AS wall, SUM(r.train_seconds) AS train,
                       SUM(r.analysis_seconds) AS analysis, SUM(COALESCE(m.value, 0)) AS evaluation
                FROM runs r LEFT JOIN metrics m ON m.run_id = r.id AND m.name = 'evaluation-seconds'
                GROUP BY r.protocol ORDER BY r.protocol
                """
            return try Row.fetchAll(db, sql: sql).map { row in
                let train: Double = row["train"], evaluation: Double = row["evaluation"]
                return Entry(
                    protocolName: row["protocol"], cells: row["cells"], wallSeconds: row["wall"],
                    trainingSeconds: max(train - evaluation, 0), evaluationSeconds: evaluation, analysisSeconds: row["analysis"])
            }
        }
    }

    /// One line per protocol: cells, summed wall time, and the shares of training, evaluation and analyses.
    public static func text(_ entries: [Entry], file: String) -> String {
        var lines = ["\(file): where the cells spent their wall time (summed over cells)",
                     "protocol                          cells     wall s  training  evaluation  analyses  not training"]
        for e in entries {
            func share(_ s: Double) -> String { String(format: "%8.1f%%", e.wallSeconds > 0 ? 100 * s / e.wallSeconds : 0) }
            lines.append(
                e.protocolName.padding(toLength: 32, withPad: " ", startingAt: 0) + String(format: " %6d %10.1f", e.cells, e.wallSeconds)
                    + " " + share(e.trainingSeconds) + "   " + share(e.evaluationSeconds) + " " + share(e.analysisSeconds)
                    + "     " + share(e.evaluationSeconds + e.analysisSeconds))
        }
        return lines.joined(separator: "\n")
    }
}
