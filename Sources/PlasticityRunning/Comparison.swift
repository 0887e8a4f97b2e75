import Foundation

/// What `plasticity compare` does: run a one-line protocol (rules × one task × seeds) into a results
/// file — a temporary one, removed afterwards, unless `db` is given — and summarise it as one
/// Markdown table per group, optionally writing the report too.
public struct Comparison {
    public var experiment: ExperimentProtocol
    /// Keep the results here (parent directories created); nil: a temporary file.
    public var db: String?
    public var workers = 1
    /// Also write the report (HTML + Markdown) into this directory.
    public var report: String?
    /// Cells whose memory estimate is above this are refused before any runs (nil: no check).
    public var memoryLimit: Int?

    public init(experiment: ExperimentProtocol, db: String? = nil, workers: Int = 1, report: String? = nil, memoryLimit: Int? = MemoryLimit.available()) {
        self.experiment = experiment
        self.db = db
        self.workers = workers
        self.report = report
        self.memoryLimit = memoryLimit
    }

    public struct Output: Sendable {
        /// Each group's title, a blank line and its Markdown table, groups separated by a blank line.
        public var tables: String
        /// The report's files (empty without `report`).
        public var reportFiles: [String]
        /// The results file kept (nil: a temporary one, removed).
        public var resultsFile: String?
        /// The groups as JSON (`GroupJSON`), for `--json`.
        public var json: String
        /// A signal stopped the comparison before every cell ran (`Interruption`): no tables then.
        public var interrupted: Int32?
        /// The lines an interrupted comparison prints on stderr: what is stored and how to resume.
        public var interruption = ""

        /// What the command prints: the tables, where the results are, and the report's files.
        public var text: String {
            tables + "\nresults: " + (resultsFile ?? "not kept (a temporary file; --db FILE keeps them)")
                + (reportFiles.isEmpty ? "" : "\nreport: " + reportFiles.joined(separator: ", "))
        }
    }

    /// `interruption`: signals stop it as they stop `plasticity run` (the cells in flight finish, or are
    /// abandoned); `resume` is the line that resumes it (printed when the results are kept in `db`).
    public func run(
        interruption: Interruption? = nil, resume: String? = nil, progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil
    ) throws -> Output {
        try ProtocolRunner.validate(workers: workers, shard: nil)
        // Outputs first: a run is never lost to a path that cannot be written at its end.
        if let db {
            try Directory.checkWritableInPlace(db)
            try Directory.checkParentCreatable(of: db)
        }
        if let report { try Directory.checkCreatable(report) }
        try experiment.validate(memoryLimit: memoryLimit)
        try MemoryEstimate.check(experiment.cells, workers: workers, limit: memoryLimit, file: "protocol \(experiment.name)")
        let path = db ?? NSTemporaryDirectory() + "plasticity-compare-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString).sqlite"
        defer { if db == nil { try? FileManager.default.removeItem(atPath: path) } }
        if let db { try Directory.createParent(of: db) }
        let store = try ResultsStore(path: path)
        // Without --db the results are in a temporary file: nothing to resume from.
        let notKept = "the results were in a temporary file and are not kept; give --db FILE to be able to resume a comparison"
        interruption?.install(
            abandoning: store, stopped: db.map { "stopped: the cells in flight are abandoned, finished cells are stored in \($0)" } ?? "stopped: " + notKept,
            resume: db == nil ? nil : resume, cleanup: db == nil ? { try? FileManager.default.removeItem(atPath: path) } : nil)
        let summary = try ProtocolRunner.run(
            experiment, store: store, workers: workers, memoryLimit: memoryLimit, interruption: interruption, progress: progress)
        interruption?.uninstall()
        if let signal = summary.interrupted {
            var output = Output(tables: "", reportFiles: [], resultsFile: db, json: "")
            output.interrupted = signal
            output.interruption = summary.text(protocolName: experiment.name, db: db ?? "a temporary file") + "\n"
                + (db != nil ? resume ?? "" : notKept)
            return output
        }
        let groups = GroupSummary.make(try store.runs(protocol: experiment.name), protocols: [experiment.name: experiment])
        let tables = groups.map { "\($0.title)\n\n\($0.markdown)\n" }.joined(separator: "\n")
        let files = try report.map { try Report.write(store: store, to: $0) } ?? []
        return Output(tables: tables, reportFiles: files, resultsFile: db, json: try GroupJSON.json(groups, resultsFile: db))
    }
}
