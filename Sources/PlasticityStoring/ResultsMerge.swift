import Foundation
import GRDB

/// Joins results files (e.g. the shards of a SLURM job array, docs/cluster.md) into one.
/// Everything is checked before anything is written: the inputs (and an existing target) must hold
/// results of one plasticity version, the same definition for each protocol name and the same
/// configuration for each cell. A cell in several inputs is copied once and reported; a cell already
/// in the target is skipped, so merging again changes nothing.
public enum ResultsMerge {
    public struct Report: Equatable, Sendable {
        public var inputs: Int
        /// Runs copied into the target now.
        public var added: Int
        /// Runs the target already held (all of them when the merge is repeated).
        public var alreadyPresent: Int
        /// Cells found in more than one input, by label (each copied once).
        public var duplicates: [String]
        /// The target's protocols after the merge: done, diverged and missing cells.
        public var status: [ResultsStatus.ProtocolStatus]

        public var text: String {
            var lines = ["merged \(inputs) file(s): \(added) runs added, \(alreadyPresent) already present, \(duplicates.count) duplicate(s) across inputs"]
            for label in duplicates { lines.append("  duplicate: \(label)") }
            lines += status.map { $0.text(listDone: false) }
            return lines.joined(separator: "\n")
        }
    }

    /// Tables holding per-run rows (column run_id), copied with each run.
    static let runTables = [
        "curve_points", "metrics", "analysis_points", "networks", "geometry_snapshots", "gr_events", "fixed_points", "geometry_paths",
    ] + ResultsStore.curriculumTables + ResultsStore.predictionTables
    /// Schema migrations this version knows (ResultsStore.migrator).
    static var knownMigrations: Set<String> { Set(ResultsStore.migrator.migrations) }

    /// What one file holds, read without writing to it.
    struct Contents {
        var path: String
        var queue: DatabaseQueue
        var tables: Set<String>
        var protocols: [String: String]
        /// cell_key → (identity, label, result columns, version)
        var runs: [(key: String, identity: String, label: String, result: String, version: String)]
    }

    static func read(_ path: String) throws -> Contents {
        guard FileManager.default.fileExists(atPath: path) else { throw InputError.invalid("no such file", file: path) }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            return try queue.read { db in
                let tables = Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'"))
                guard tables.isSuperset(of: ["runs", "protocols"]) else {
                    throw InputError.invalid("not a results database (no runs table); valid: a file written by `plasticity run`", file: path)
                }
                if tables.contains("grdb_migrations") {
                    let unknown = Set(try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")).subtracting(knownMigrations)
                    if !unknown.isEmpty {
                        throw InputError.invalid(
                            "written by a newer plasticity (schema \(unknown.sorted().joined(separator: ", "))); valid: results of plasticity \(PlasticityVersion.current)", file: path)
                    }
                }
                var protocols: [String: String] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT name, definition_json FROM protocols") { protocols[row["name"]] = row["definition_json"] }
                let runs = try Row.fetchAll(
                    db, sql: """
                        SELECT cell_key, protocol, rule, task, condition, seed, status, trials_to_criterion, trials_trained,
                            diverged_at_trial, final_accuracy, final_loss, version FROM runs ORDER BY id
                        """
                ).map { row -> (key: String, identity: String, label: String, result: String, version: String) in
                    let seed: Int64 = row["seed"]
                    let identity = ResultsStatus.identity(protocol: row["protocol"], rule: row["rule"], task: row["task"], condition: row["condition"], seed: seed)
                    let label = "protocol \(row["protocol"] as String): " + ResultsStatus.label(rule: row["rule"], task: row["task"], condition: row["condition"], seed: seed)
                    let result = ["status", "trials_to_criterion", "trials_trained", "diverged_at_trial", "final_accuracy", "final_loss"]
                        .map { "\(row[$0] as DatabaseValue)" }.joined(separator: "|")
                    return (row["cell_key"], identity, label, result, row["version"])
                }
                return Contents(path: path, queue: queue, tables: tables, protocols: protocols, runs: runs)
            }
        } catch let error as DatabaseError {
            throw InputError.invalid("not a results database (\(error.message ?? "\(error.resultCode)")); valid: a file written by `plasticity run`", file: path)
        }
    }

    /// Refuses files that cannot be joined (see the type's documentation).
    static func check(_ files: [Contents]) throws {
        var version: (String, String)?  // (version, file)
        var definitions: [String: (String, String)] = [:]  // protocol → (definition, file)
        var keys: [String: (key: String, result: String, file: String)] = [:]  // identity → first occurrence
        for file in files {
            for (name, definition) in file.protocols.sorted(by: { $0.key < $1.key }) {
                if let (other, otherFile) = definitions[name], other != definition {
                    throw InputError.invalid(
                        "protocol '\(name)' differs from its definition in \(otherFile); valid: results files of one protocol file", file: file.path)
                }
                definitions[name] = definitions[name] ?? (definition, file.path)
            }
            for run in file.runs {
                if let (v, otherFile) = version, v != run.version {
                    throw InputError.invalid("results of plasticity \(run.version), but \(otherFile) holds \(v); valid: files written by one version", file: file.path)
                }
                version = version ?? (run.version, file.path)
                if let first = keys[run.identity] {
                    if first.key != run.key {
                        throw InputError.invalid(
                            "\(run.label) has a different configuration in \(first.file) (the protocol or a rule file changed); valid: results files of one protocol file",
                            file: file.path)
                    }
                    if first.result != run.result {
                        throw InputError.invalid("\(run.label) has different results in \(first.file); valid: runs of one plasticity build", file: file.path)
                    }
                } else {
                    keys[run.identity] = (run.key, run.result, file.path)
                }
            }
        }
    }

    /// Merges `inputs` into the results file `target` (created if missing).
    public static func merge(_ inputs: [String], into target: String) throws -> Report {
        guard !inputs.isEmpty else { throw InputError.invalid("give at least one results file to merge", key: "inputs") }
        func canonical(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path }
        var seen = Set<String>()
        for input in inputs {
            if canonical(input) == canonical(target) { throw InputError.invalid("is also the --db target; valid: a separate output file", file: input) }
            guard seen.insert(canonical(input)).inserted else { throw InputError.invalid("given twice", file: input) }
        }
        let sources = try inputs.map(read)
        let existing = FileManager.default.fileExists(atPath: target) ? try read(target) : nil
        // The target goes first: its runs are "already present", not duplicates of an input's.
        try check((existing.map { [$0] } ?? []) + sources)
        let presentBefore = Set(existing?.runs.map(\.key) ?? [])
        let alreadyPresent = Set(sources.flatMap { $0.runs.map(\.key) }).intersection(presentBefore).count

        try Directory.checkWritableInPlace(target)
        try Directory.createParent(of: target)
        let store = try ResultsStore(path: target)
        var added = 0
        do { try store.queue.write { db in
            var present = presentBefore
            for source in sources {
                for (name, definition) in source.protocols {
                    try db.execute(
                        sql: "INSERT OR IGNORE INTO protocols (name, definition_json, updated_at) VALUES (?, ?, ?)",
                        arguments: [name, definition, ISO8601DateFormatter().string(from: Date())])
                }
                let copied = try source.queue.read { sdb -> Int in
                    var count = 0
                    for row in try Row.fetchAll(sdb, sql: "SELECT * FROM runs ORDER BY id") {
                        let key: String = row["cell_key"]
                        guard present.insert(key).inserted else { continue }
                        let columns = row.columnNames.filter { $0 != "id" }
                        try db.execute(
                            sql: "INSERT INTO runs (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))",
                            arguments: StatementArguments(columns.map { row[$0] as DatabaseValue }))
                        let newID = db.lastInsertedRowID
                        let oldID: Int64 = row["id"]
                        for table in runTables where source.tables.contains(table) {
                            for child in try Row.fetchAll(sdb, sql: "SELECT * FROM \(table) WHERE run_id = ?", arguments: [oldID]) {
                                let names = child.columnNames
                                let values = names.map { $0 == "run_id" ? newID.databaseValue : child[$0] as DatabaseValue }
                                try db.execute(
                                    sql: "INSERT INTO \(table) (\(names.joined(separator: ", "))) VALUES (\(names.map { _ in "?" }.joined(separator: ", ")))",
                                    arguments: StatementArguments(values))
                            }
                        }
                        count += 1
                    }
                    return count
                }
                added += copied
            }
        } } catch let error as DatabaseError where ResultsStore.isWriteFailure(error) {
            // One transaction: a failed write leaves the target as it was.
            throw WriteFailure(
                target + ": cannot merge: " + ResultsStore.writeReason(error)
                    + "; the file is unchanged (the merge is one transaction), run the same command again once it is fixed")
        }
        return Report(
            inputs: inputs.count, added: added, alreadyPresent: alreadyPresent, duplicates: duplicatesAcrossInputs(sources),
            status: try ResultsStatus.status(of: store))
    }

    /// Labels of cells stored in more than one input file.
    static func duplicatesAcrossInputs(_ sources: [Contents]) -> [String] {
        var files: [String: Int] = [:], labels: [String: String] = [:], order: [String] = []
        for source in sources {
            for key in Set(source.runs.map(\.key)) { files[key, default: 0] += 1 }
            for run in source.runs where labels[run.key] == nil {
                labels[run.key] = run.label
                order.append(run.key)
            }
        }
        return order.filter { files[$0, default: 0] > 1 }.map { labels[$0]! }
    }
}
