import Foundation
import GRDB

/// Which cells of a results file's protocols are done, diverged or still missing (`plasticity
/// status`, and the end of `plasticity merge`). Cells are matched by identity (protocol, rule, task,
/// condition, seed), so the answer does not depend on where rule files are found.
public enum ResultsStatus {
    public struct ProtocolStatus: Equatable, Sendable {
        public var name: String
        /// Cells of the protocol's stored definition.
        public var cells: Int
        /// Stored cells (finished or diverged), by label, in the protocol's cell order.
        public var done: [String]
        /// Of the done cells, those that diverged, with the trial.
        public var diverged: [String]
        public var missing: [String]
        /// Stored runs of this protocol name that are not cells of its definition.
        public var unexpected: Int

        public func text(listDone: Bool) -> String {
            var lines = ["protocol \(name): \(cells) cells, \(done.count) done (\(diverged.count) diverged), \(missing.count) missing"
                + (unexpected > 0 ? ", \(unexpected) stored runs not in its definition" : "")]
            if listDone { lines += done.map { "  done: \($0)" } }
            lines += diverged.map { "  diverged: \($0)" }
            lines += missing.map { "  missing: \($0)" }
            return lines.joined(separator: "\n")
        }
    }

    static func identity(protocol name: String, rule: String, task: String, condition: String, seed: Int64) -> String {
        [name, rule, task, condition, String(seed)].joined(separator: "\u{1F}")
    }

    /// The wording of `ExperimentCell.label`.
    static func label(rule: String, task: String, condition: String, seed: Int64) -> String {
        "rule \(rule), task \(task)" + (condition.isEmpty ? "" : ", condition \(condition)") + ", seed \(seed)"
    }

    /// Every stored protocol (or only `name`; an unknown name is an InputError listing the stored ones).
    public static func status(of store: ResultsStore, protocol name: String? = nil) throws -> [ProtocolStatus] {
        let protocols = try store.protocols()
        if let name, protocols[name] == nil {
            throw InputError.unknown("protocol", name, valid: protocols.keys.sorted().isEmpty ? ["(none stored)"] : protocols.keys.sorted(), file: store.path)
        }
        let stored: [String: (status: String, divergedAt: Int?)] = try store.queue.read { db in
            var map: [String: (status: String, divergedAt: Int?)] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT protocol, rule, task, condition, seed, status, diverged_at_trial FROM runs") {
                map[identity(protocol: row["protocol"], rule: row["rule"], task: row["task"], condition: row["condition"], seed: row["seed"])] =
                    (row["status"], row["diverged_at_trial"])
            }
            return map
        }
        return protocols.keys.sorted().filter { name == nil || $0 == name }.map { protocolName in
            let experiment = protocols[protocolName]!
            var result = ProtocolStatus(name: protocolName, cells: 0, done: [], diverged: [], missing: [], unexpected: 0)
            var expected = Set<String>()
            // The cells in the protocol's order, without resolving rules (ExperimentProtocol.cells would).
            for task in experiment.tasks {
                for condition in experiment.conditions where condition.tasks?.contains(task) ?? true {
                    for seed in experiment.seeds {
                        for rule in experiment.rules where condition.rules?.contains(rule) ?? true {
                            let id = identity(protocol: protocolName, rule: rule, task: task, condition: condition.label, seed: Int64(seed))
                            let text = label(rule: rule, task: task, condition: condition.label, seed: Int64(seed))
                            expected.insert(id)
                            result.cells += 1
                            if let run = stored[id] {
                                result.done.append(text)
                                if run.status == RunStatus.diverged.rawValue {
                                    result.diverged.append(text + (run.divergedAt.map { " (at trial \($0))" } ?? ""))
                                }
                            } else {
                                result.missing.append(text)
                            }
                        }
                    }
                }
            }
            let prefix = protocolName + "\u{1F}"
            result.unexpected = stored.keys.filter { $0.hasPrefix(prefix) && !expected.contains($0) }.count
            return result
        }
    }
}
