import Foundation
import GRDB

/// One finished cell read back from a results file.
public struct StoredRun: Sendable {
    public var id: Int64
    public var key: String
    public var configJSON: String
    public var record: RunRecord
    public var wallSeconds: Double
    public var version: String
    /// Every setting the run ran with, after precedence (`runs.settings_json`); nil when its rule
    /// did not resolve when it was stored.
    public var settings: ResolvedConfiguration?
}

/// The results file: SQLite through GRDB (schema in docs/protocols.md, migrated from version 1 on;
/// metrics added later are new rows of `metrics`, and runs stored before them are read with the
/// missing values recomputed, e.g. the trivial baseline).
/// Each finished cell is written in one transaction, so a killed run leaves only whole cells.
/// Cells are keyed by their resolved configuration (`ExperimentCell.key`).
public final class ResultsStore: @unchecked Sendable {  // DatabaseQueue serialises every access
    public let path: String
    let queue: DatabaseQueue

    /// Opens (creating if needed) a results file and migrates it to the current schema.
    /// A file that is not a results database is an InputError naming it.
    public init(path: String) throws {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)  // a report may read while a run writes
        configuration.foreignKeysEnabled = true
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) || !isDirectory.boolValue {
            throw InputError.invalid("directory does not exist: \(directory)", file: path)
        }
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
            try ResultsStore.checkReadable(queue, path: path)
            try ResultsStore.migrator.migrate(queue)
        } catch let error as DatabaseError {
            if error.resultCode == .SQLITE_READONLY {
                throw InputError.invalid("the file is read-only and needs its schema updated; valid: a writable results file", file: path)
            }
            if error.resultCode == .SQLITE_FULL || error.resultCode == .SQLITE_IOERR {
                throw WriteFailure(path + ": " + ResultsStore.writeFailure(error, cell: "the schema"))
            }
            throw InputError.invalid("not a results database (\(error.message ?? "\(error.resultCode)")); valid: a file written by `plasticity run`", file: path)
        }
    }

    /// Before anything is written: a damaged file (SQLite's quick check), and a file a newer version
    /// wrote (migrations this version does not know) are refused by name, never migrated or changed.
    static func checkReadable(_ queue: DatabaseQueue, path: String) throws {
        let known = Set(migrator.migrations)
        let (check, unknown) = try queue.read { db -> (String, [String]) in
            let check = try String.fetchOne(db, sql: "PRAGMA quick_check(1)") ?? "ok"
            guard try db.tableExists("grdb_migrations") else {
                // Another program's database: never add our tables to it.
                let tables = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'") ?? 0
                return (check, tables > 0 ? ["(another program's tables)"] : [])
            }
            return (check, try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations").filter { !known.contains($0) })
        }
        if check != "ok" {
            throw InputError.invalid("damaged results file (SQLite: \(check.split(separator: "\n").prefix(2).joined(separator: " "))); valid: an intact file written by `plasticity run` (restore a copy)", file: path)
        }
        if unknown == ["(another program's tables)"] {
            throw InputError.invalid("not a results database (its tables are another program's); valid: a file written by `plasticity run`", file: path)
        }
        if !unknown.isEmpty {
            throw InputError.invalid(
                "written by a newer version of plasticity (schema \(unknown.sorted().joined(separator: ", ")) unknown to \(PlasticityVersion.current)); valid: schema up to \(migrator.migrations.last ?? "v1"), or a newer plasticity",
                file: path, key: "schema")
        }
    }

    /// Opens an existing results file for reading; a missing file is an InputError.
    public static func open(existing path: String) throws -> ResultsStore {
        guard FileManager.default.fileExists(atPath: path) else { throw InputError.invalid("no such file", file: path) }
        // An empty file would become an empty results database: reading commands refuse it instead.
        if (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) == 0 {
            throw InputError.invalid("empty file; valid: a file written by `plasticity run`", file: path)
        }
        return try ResultsStore(path: path)
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE protocols (
                    name TEXT PRIMARY KEY NOT NULL,
                    definition_json TEXT NOT NULL,
                    updated_at TEXT NOT NULL
                );
                CREATE TABLE runs (
                    id INTEGER PRIMARY KEY,
                    cell_key TEXT NOT NULL UNIQUE,
                    protocol TEXT NOT NULL,
                    rule TEXT NOT NULL,
                    task TEXT NOT NULL,
                    condition TEXT NOT NULL,
                    seed INTEGER NOT NULL,
                    config_json TEXT NOT NULL,
                    status TEXT NOT NULL,
                    trials_to_criterion INTEGER,
                    trials_trained INTEGER NOT NULL,
                    diverged_at_trial INTEGER,
                    budget INTEGER NOT NULL,
                    final_accuracy REAL,
                    final_loss REAL,
                    train_seconds REAL NOT NULL,
                    analysis_seconds REAL NOT NULL,
                    wall_seconds REAL NOT NULL,
                    version TEXT NOT NULL,
                    finished_at TEXT NOT NULL,
                    UNIQUE (protocol, rule, task, condition, seed)
                );
                CREATE TABLE curve_points (
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    trials INTEGER NOT NULL,
                    train_loss REAL,
                    validation_loss REAL,
                    validation_accuracy REAL,
                    PRIMARY KEY (run_id, trials)
                );
                CREATE TABLE metrics (
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    value REAL,
                    PRIMARY KEY (run_id, name)
                );
                CREATE TABLE analysis_points (
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    analysis TEXT NOT NULL,
                    position INTEGER NOT NULL,
                    level REAL NOT NULL,
                    accuracy REAL,
                    PRIMARY KEY (run_id, analysis, position)
                );
                CREATE TABLE networks (
                    run_id INTEGER PRIMARY KEY NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    parameters BLOB NOT NULL
                );
                """)
        }
        // The geometry analysis (docs/protocols.md): snapshots through training, GR events, and the
        // final network's fixed points and probe paths on two principal components.
        m.registerMigration("v2") { db in
            try db.execute(sql: """
                CREATE TABLE geometry_snapshots (
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    trials INTEGER NOT NULL,
                    stable_fixed_points INTEGER NOT NULL,
                    unstable_fixed_points INTEGER NOT NULL,
                    slow_points INTEGER NOT NULL,
                    participation_ratio REAL,
                    dimension90 INTEGER NOT NULL,
                    loss REAL,
                    PRIMARY KEY (run_id, trials)
                );
                CREATE TABLE gr_events (
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    trials INTEGER NOT NULL,
                    previous_trials INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    participation_ratio_change REAL,
                    PRIMARY KEY (run_id, trials, kind)
                );
                CREATE TABLE fixed_points (
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    speed REAL,
                    unstable_directions INTEGER NOT NULL,
                    pc1 REAL,
                    pc2 REAL,
                    PRIMARY KEY (run_id, position)
                );
                CREATE TABLE geometry_paths (
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    path INTEGER NOT NULL,
                    step INTEGER NOT NULL,
                    pc1 REAL,
                    pc2 REAL,
                    PRIMARY KEY (run_id, path, step)
                );
                """)
        }
        ResultsStore.registerGeometryMigrations(&m)
        // How each run learned its readout (`ReadoutRule`); runs stored before the setting existed
        // get it from their stored configuration (they all used the rule's own estimate).
        m.registerMigration("v4-readout") { db in
            try db.execute(sql: "ALTER TABLE runs ADD COLUMN readout TEXT")
            for row in try Row.fetchAll(db, sql: "SELECT id, config_json FROM runs") {
                let json: String = row["config_json"]
                let cell = try? JSONDecoder().decode(ExperimentCell.self, from: Data(json.utf8))
                try db.execute(sql: "UPDATE runs SET readout = ? WHERE id = ?", arguments: [cell?.readout?.rawValue, row["id"] as Int64])
            }
        }
        ResultsStore.registerCurriculumMigrations(&m)
        ResultsStore.registerFixedPointODEMigration(&m)
        ResultsStore.registerPredictionMigrations(&m)
        ResultsStore.registerSettingsMigration(&m)
        return m
    }

    /// Non-finite numbers are stored as NULL (SQLite has no NaN) and read back as NaN.
    static func finite(_ x: Double) -> Double? { x.isFinite ? x : nil }

    /// Records the protocol's definition (the latest run of a name wins; reports read the rule order from it).
    public func register(_ experiment: ExperimentProtocol) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(experiment), as: UTF8.self)
        do {
            try queue.write { db in
                try db.execute(
                    sql: "INSERT OR REPLACE INTO protocols (name, definition_json, updated_at) VALUES (?, ?, ?)",
                    arguments: [experiment.name, json, ISO8601DateFormatter().string(from: Date())])
            }
        } catch let error as DatabaseError where ResultsStore.isWriteFailure(error) {
            throw WriteFailure(path + ": " + ResultsStore.writeFailure(error, cell: "protocol '\(experiment.name)'"))
        }
    }

    /// A failed write of a whole database (a full disk, an I/O error, a file made read-only meanwhile),
    /// as opposed to a constraint or a bug: `WriteFailure`, exit 74.
    static func isWriteFailure(_ error: DatabaseError) -> Bool {
        [.SQLITE_FULL, .SQLITE_IOERR, .SQLITE_READONLY, .SQLITE_CANTOPEN].contains(error.resultCode)
    }

    /// The cells still to run. A cell whose identity (protocol, rule, task, condition, seed) is
    /// stored with a different configuration means the protocol changed: refused, never mixed.
    public func pending(_ cells: [ExperimentCell]) throws -> [ExperimentCell] {
        let stored: [String: (key: String, json: String)] = try queue.read { db in
            var map: [String: (key: String, json: String)] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT cell_key, protocol, rule, task, condition, seed, config_json FROM runs") {
                let identity = [row["protocol"] as String, row["rule"], row["task"], row["condition"], String(row["seed"] as Int64)].joined(separator: "\u{1F}")
                map[identity] = (row["cell_key"], row["config_json"])
            }
            return map
        }
        var result: [ExperimentCell] = []
        for cell in cells {
            let identity = [cell.protocolName, cell.spec.rule, cell.spec.task, cell.condition, String(cell.spec.seed)].joined(separator: "\u{1F}")
            if let (key, json) = stored[identity] {
                if key != cell.key {
                    let changes = JSONDifference.lines(stored: json, current: cell.configJSON)
                    throw InputError.invalid(
                        "protocol '\(cell.protocolName)' changed since its results were stored (\(cell.label) has a different configuration"
                            + (changes.isEmpty ? "" : ": " + changes.joined(separator: "; ")) + "); valid: a new --db file, or a new protocol name",
                        file: path)
                }
                continue
            }
            result.append(cell)
        }
        return result
    }

    /// Runs `body` (which exits the process) once no write is in progress and none can start: a
    /// signal abandons a run without cutting a cell's transaction short.
    public func afterWrites(_ body: () -> Never) -> Never {
        try! queue.inDatabase { _ in body() }
    }

    /// Writes one finished cell in a single transaction. A write that fails (a full disk, a file made
    /// read-only) rolls the cell back and is a `WriteFailure` naming the file (exit 74): the cells
    /// stored before stay.
    public func save(_ r: CellResult) throws {
        do {
            try insert(r)
        } catch let error as DatabaseError {
            throw WriteFailure(path + ": " + ResultsStore.writeFailure(error, cell: r.cell.label))
        }
    }

    /// The line for a failed write: what happened and how to go on.
    static func writeFailure(_ error: DatabaseError, cell: String) -> String {
        "cannot store \(cell): \(writeReason(error)); the cells stored before are intact, run the same command again to resume once it is fixed"
    }

    /// What a failed database write met, in words.
    static func writeReason(_ error: DatabaseError) -> String {
        switch error.resultCode {
        case .SQLITE_FULL: return "the disk is full"
        case .SQLITE_READONLY: return "the file is read-only"
        case .SQLITE_IOERR: return "the disk refused the write (\(error.message ?? "I/O error"))"
        default: return error.message ?? "\(error.resultCode)"
        }
    }

    func insert(_ r: CellResult) throws {
        let rec = r.record, res = rec.result, m = rec.metrics
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO runs (cell_key, protocol, rule, task, condition, seed, config_json, status,
                        trials_to_criterion, trials_trained, diverged_at_trial, budget, final_accuracy, final_loss,
                        train_seconds, analysis_seconds, wall_seconds, version, finished_at, readout, settings_json)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    r.cell.key, rec.protocolName, rec.rule, rec.task, rec.condition, Int64(rec.seed), r.cell.configJSON,
                    rec.status.rawValue, res.trialsToCriterion, res.trialsTrained, res.divergedAtTrial, m.budget,
                    ResultsStore.finite(res.final.accuracy), ResultsStore.finite(res.final.loss),
                    r.trainSeconds, r.analysisSeconds, r.trainSeconds + r.analysisSeconds,
                    PlasticityVersion.current, ISO8601DateFormatter().string(from: Date()),
                    r.cell.readout?.rawValue, r.cell.settings?.json,
                ])
            let id = db.lastInsertedRowID
            for p in res.curve {
                try db.execute(
                    sql: "INSERT INTO curve_points (run_id, trials, train_loss, validation_loss, validation_accuracy) VALUES (?, ?, ?, ?, ?)",
                    arguments: [id, p.trials, ResultsStore.finite(p.trainLoss), ResultsStore.finite(p.validationLoss), ResultsStore.finite(p.validationAccuracy)])
            }
            for (name, value) in ResultsStore.metricValues(m, robustness: rec.robustness, geometry: rec.geometry, tcr: res.tcrTrace, evaluationSeconds: res.evaluationSeconds) {
                try db.execute(sql: "INSERT INTO metrics (run_id, name, value) VALUES (?, ?, ?)", arguments: [id, name, value.flatMap(ResultsStore.finite)])
            }
            for curve in rec.robustness {
                for (i, (level, accuracy)) in zip(curve.levels, curve.accuracy).enumerated() {
                    try db.execute(
                        sql: "INSERT INTO analysis_points (run_id, analysis, position, level, accuracy) VALUES (?, ?, ?, ?, ?)",
                        arguments: [id, curve.kind, i, level, ResultsStore.finite(accuracy)])
                }
            }
            if let geometry = rec.geometry { try ResultsStore.saveGeometry(geometry, runID: id, db: db) }
            if let curriculum = r.curriculum { try ResultsStore.saveCurriculum(curriculum, runID: id, db: db) }
            if let predictions = r.predictions { try ResultsStore.savePredictions(predictions, runID: id, db: db) }
            if !r.parameters.isEmpty {
                let blob = r.parameters.withUnsafeBytes { Data($0) }
                try db.execute(sql: "INSERT INTO networks (run_id, parameters) VALUES (?, ?)", arguments: [id, blob])
            }
        }
    }

    /// The metrics table's rows for one run (names documented in docs/protocols.md).
    static func metricValues(
        _ m: LearningMetrics, robustness: [RobustnessCurve], geometry: GeometryResult? = nil, tcr: [TCRTracePoint]? = nil,
        evaluationSeconds: Double? = nil
    ) -> [(String, Double?)] {
        var values: [(String, Double?)] = [
            ("trials_to_criterion", m.trialsToCriterion.map(Double.init)),
            ("censored", m.censored ? 1 : 0),
            // The baseline-relative measures (PlateauDefinition); runs stored before them have
            // `plateau_length` and `abruptness` rows of the earlier definitions instead.
            ("trivial-baseline", m.baseline),
            ("curve-baseline", m.curveBaseline),
            ("plateau-entry", m.plateauEntry.map(Double.init)),
            ("plateau", Double(m.plateauLength)),
            ("plateau-censored", m.plateauCensored ? 1 : 0),
            ("escape-trial", m.escapeTrial.map(Double.init)),
            ("escape-abruptness", m.abruptness),
            ("final-loss-normalised", m.finalLossNormalised),
            ("trial_of_largest_drop", m.trialOfLargestDrop.map(Double.init)),
            ("auc_loss", m.areaUnderCurve),
            ("final_accuracy", m.finalAccuracy),
            ("final_loss", m.finalLoss),
        ]
        if let evaluationSeconds { values.append(("evaluation-seconds", evaluationSeconds)) }
        for curve in robustness { values.append(("area:\(curve.kind)", curve.area)) }
        if let geometry {
            // Absent (not NULL) when no headline event precedes the escape, so "has a value" means "GR came first".
            values.append(("gr-events", Double(geometry.events.count)))
            if let trial = geometry.eventTrial { values.append(("gr-event-trial", Double(trial))) }
            if let lag = geometry.lag { values.append(("gr-lag", Double(lag))) }
            if let t = geometry.timing {
                // The permutation test's parts: a headline event in the window before the escape, and its chance.
                values.append(("gr-headline-events", Double(t.events)))
                values.append(("gr-lead", t.leads ? 1 : 0))
                values.append(("gr-lead-chance", t.chance))
            }
        }
        if let tcr, let last = tcr.last {
            // What the schedule did: its final strength, its largest, and how often the network collapsed.
            values.append(("tcr-final-lambda", last.lambda))
            values.append(("tcr-max-lambda", tcr.map(\.lambda).max() ?? last.lambda))
            values.append(("tcr-collapses", Double(tcr.filter(\.collapsed).count)))
        }
        return values
    }

    /// Every stored run, ordered by protocol, task, condition, rule, seed (never by completion).
    public func runs(protocol name: String? = nil) throws -> [StoredRun] {
        try queue.read { db in
            let filter = name == nil ? "" : "WHERE protocol = ?"
            let rows = try Row.fetchAll(
                db, sql: "SELECT * FROM runs \(filter) ORDER BY protocol, task, condition, rule, seed, cell_key",
                arguments: name.map { [$0] } ?? [])
            var curves: [Int64: [CurvePoint]] = [:], metrics: [Int64: [String: Double]] = [:]
            var analyses: [Int64: [String: [(Double, Double)]]] = [:]
            let geometry = try ResultsStore.readGeometry(db)
            for row in try Row.fetchAll(db, sql: "SELECT * FROM curve_points ORDER BY run_id, trials") {
                curves[row["run_id"], default: []].append(CurvePoint(
                    trials: row["trials"], trainLoss: row["train_loss"] ?? .nan,
                    validationLoss: row["validation_loss"] ?? .nan, validationAccuracy: row["validation_accuracy"] ?? .nan))
            }
            for row in try Row.fetchAll(db, sql: "SELECT * FROM metrics") {
                metrics[row["run_id"], default: [:]][row["name"]] = row["value"] ?? .nan
            }
            for row in try Row.fetchAll(db, sql: "SELECT * FROM analysis_points ORDER BY run_id, analysis, position") {
                analyses[row["run_id"], default: [:]][row["analysis"], default: []].append((row["level"], row["accuracy"] ?? .nan))
            }
            return rows.map { row in
                let id: Int64 = row["id"]
                let m = metrics[id] ?? [:]
                let status = RunStatus(rawValue: row["status"]) ?? .budget
                let final = Evaluation(loss: row["final_loss"] ?? .nan, accuracy: row["final_accuracy"] ?? .nan)
                func int(_ name: String) -> Int? { m[name].flatMap { $0.isFinite ? Int($0) : nil } }
                var result = TrainingResult(
                    status: status, trialsToCriterion: row["trials_to_criterion"], trialsTrained: row["trials_trained"],
                    divergedAtTrial: row["diverged_at_trial"], final: final, curve: curves[id] ?? [], wallSeconds: row["train_seconds"],
                    baseline: m["trivial-baseline"], curveBaseline: m["curve-baseline"], evaluationSeconds: m["evaluation-seconds"])
                var learning: LearningMetrics
                if m["curve-baseline"] != nil {
                    learning = LearningMetrics(
                        trialsToCriterion: int("trials_to_criterion"), censored: m["censored"] == 1, budget: row["budget"],
                        baseline: m["trivial-baseline"] ?? .nan, curveBaseline: m["curve-baseline"] ?? .nan,
                        plateauEntry: int("plateau-entry"), plateauLength: int("plateau") ?? 0, plateauCensored: m["plateau-censored"] == 1,
                        escapeTrial: int("escape-trial"), abruptness: m["escape-abruptness"] ?? .nan,
                        trialOfLargestDrop: int("trial_of_largest_drop"), areaUnderCurve: m["auc_loss"] ?? .nan,
                        finalAccuracy: final.accuracy, finalLoss: final.loss, wallSeconds: row["train_seconds"])
                } else {
                    // Stored before the baseline existed: recompute it from the cell's configuration
                    // (the validation set depends only on the task, the seed and the sizes) and the
                    // measures from the stored curve, under today's definitions.
                    let baselines = TrivialBaseline.recomputed(configJSON: row["config_json"])
                    result.baseline = baselines?.whole
                    result.curveBaseline = baselines?.curve
                    learning = LearningMetrics(result: result, budget: row["budget"])
                    learning.trialsToCriterion = int("trials_to_criterion")
                    learning.censored = m["censored"] == 1
                    learning.areaUnderCurve = m["auc_loss"] ?? .nan
                }
                let robustness = (analyses[id] ?? [:]).keys.sorted().map { kind in
                    let points = analyses[id]![kind]!
                    return RobustnessCurve(kind: kind, levels: points.map(\.0), accuracy: points.map(\.1), area: m["area:\(kind)"] ?? .nan)
                }
                let seed: Int64 = row["seed"]
                let record = RunRecord(
                    protocolName: row["protocol"], rule: row["rule"], task: row["task"], seed: UInt64(seed),
                    condition: row["condition"], status: status, result: result, metrics: learning, robustness: robustness,
                    geometry: geometry[id].map { ResultsStore.recomputed($0, configJSON: row["config_json"], metrics: learning) })
                let settings = (row["settings_json"] as String?).flatMap { try? JSONDecoder().decode(ResolvedConfiguration.self, from: Data($0.utf8)) }
                return StoredRun(
                    id: id, key: row["cell_key"], configJSON: row["config_json"], record: record, wallSeconds: row["wall_seconds"],
                    version: row["version"], settings: settings)
            }
        }
    }

    /// The stored protocol definitions by name.
    public func protocols() throws -> [String: ExperimentProtocol] {
        try queue.read { db in
            var result: [String: ExperimentProtocol] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT name, definition_json FROM protocols") {
                let json: String = row["definition_json"]
                if let p = try? JSONDecoder().decode(ExperimentProtocol.self, from: Data(json.utf8)) { result[row["name"]] = p }
            }
            return result
        }
    }

    /// The trained network of a run (nil for a diverged run).
    public func parameters(runID: Int64) throws -> [Double]? {
        try queue.read { db in
            guard let blob = try Data.fetchOne(db, sql: "SELECT parameters FROM networks WHERE run_id = ?", arguments: [runID]) else { return nil }
            return blob.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
        }
    }

    /// Every stored result except timings and dates, ordered by cell key: equal for two runs of the
    /// same cells whatever the number of workers, the order of completion or interruptions.
    public func fingerprint() throws -> String {
        try queue.read { db in
            var lines: [String] = []
            for row in try Row.fetchAll(db, sql: "SELECT cell_key, protocol, rule, task, condition, seed, config_json, status, trials_to_criterion, trials_trained, diverged_at_trial, budget, final_accuracy, final_loss, version FROM runs ORDER BY cell_key") {
                lines.append("run " + row.databaseValues.map(\.description).joined(separator: "|"))
            }
            for (table, order) in [
                ("curve_points", "trials"), ("metrics", "name"), ("analysis_points", "analysis, position"), ("networks", "run_id"),
                ("geometry_snapshots", "trials"), ("gr_events", "trials, kind"), ("fixed_points", "position"), ("geometry_paths", "path, step"),
                ("prediction_measures", "name"),
            ] {
                // Evaluation time is a timing too.
                let filter = table == "metrics" ? "WHERE x.name != 'evaluation-seconds'" : ""
                for row in try Row.fetchAll(db, sql: "SELECT r.cell_key AS k, x.* FROM \(table) x JOIN runs r ON r.id = x.run_id \(filter) ORDER BY k, \(order)") {
                    lines.append(table + " " + row.columnNames.filter { $0 != "run_id" }.map { "\(row[$0] as DatabaseValue)" }.joined(separator: "|"))
                }
            }
            return lines.joined(separator: "\n")
        }
    }

    /// `fingerprint()` as 32 hex digits (two FNV-1a 64 variants), for comparing files from the shell.
    public func fingerprintDigest() throws -> String {
        let text = try fingerprint()
        func fnv(_ basis: UInt64) -> UInt64 {
            var h = basis
            for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
            return h
        }
        return String(format: "%016llx%016llx", fnv(0xcbf2_9ce4_8422_2325), fnv(0x6c62_272e_07bb_0142))
    }

    static func text(_ value: DatabaseValue) -> String? {
        switch value.storage {
        case .null: return nil
        case .int64(let i): return String(i)
        case .double(let d): return "\(d)"
        case .string(let s): return s
        case .blob(let b): return b.base64EncodedString()
        }
    }

    /// Rows of a read-only query as text (NULL as nil), for exports.
    public func query(_ sql: String) throws -> (columns: [String], rows: [[String?]]) {
        try queue.read { db -> (columns: [String], rows: [[String?]]) in
            let statement = try db.makeStatement(sql: sql)
            var rows: [[String?]] = []
            for row in try Row.fetchAll(statement) {
                rows.append(row.databaseValues.map(ResultsStore.text))
            }
            return (statement.columnNames, rows)
        }
    }

    /// The number of stored runs.
    public func count() throws -> Int {
        try queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM runs") ?? 0 }
    }
}
