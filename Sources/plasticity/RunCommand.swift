import ArgumentParser
import Foundation
import Plasticity

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a protocol (rules × tasks × conditions × seeds) into a results file; resumes where it stopped.")

    @Argument(help: "Protocol file (TOML) or shipped protocol name (see `plasticity protocols`), e.g. quickstart.")
    var protocolFile: String

    @Option(help: "Results file (SQLite); created if missing, finished cells are skipped.")
    var db: String

    @OptionGroup var runner: RunnerOptions

    @Option(help: "Run only shard i of n (0-based, cells i, i+n, ...), e.g. 0/4 for job arrays.")
    var cells: String?

    @OptionGroup var memory: MemoryOptions

    func run() throws {
        let loaded = try ProtocolLibrary.load(protocolFile)
        let experiment = loaded.experiment
        let shard = try cells.map(CellShard.parse)
        let limit = try memory.limit()
        try ProtocolRunner.validate(workers: runner.workers, shard: shard)
        // Outputs first, and every cell (memory included) before the results file is created.
        try Directory.checkWritableInPlace(db)
        try Directory.checkParentCreatable(of: db)
        if let report = runner.report { try Directory.checkCreatable(report) }
        try experiment.validate(file: loaded.source == "shipped" ? "shipped:" + loaded.fileName : loaded.source, memoryLimit: limit)
        try MemoryEstimate.check(experiment.selectionCells + experiment.cells, workers: runner.workers, limit: limit, file: loaded.source)
        try Directory.createParent(of: db)
        let store = try ResultsStore(path: db)
        let bar = ProgressBar(label: experiment.name)
        let interruption = Interruption()
        interruption.install(
            abandoning: store, stopped: "stopped: the cells in flight are abandoned, finished cells are stored in \(db)", resume: resumeHint())
        let summary = try ProtocolRunner.run(
            experiment, store: store, workers: runner.workers, shard: shard, memoryLimit: limit, interruption: interruption
        ) { bar.update(done: $0, total: $1) }
        interruption.uninstall()
        bar.finish()
        print(summary.text(protocolName: experiment.name, db: db))
        if let signal = summary.interrupted {
            FileHandle.standardError.write(Data("\(resumeHint())\n".utf8))
            Foundation.exit(Interruption.status(signal))
        }
        let groups = GroupSummary.make(try store.runs(protocol: experiment.name), protocols: [experiment.name: experiment])
        if !groups.isEmpty { print("\n" + groups.map(\.shortTable).joined(separator: "\n\n") + "\n\nfull tables: plasticity report \(db) --out DIR") }
        if let report = runner.report {
            let written = try Report.write(store: store, to: report)
            print("report: \(written.joined(separator: ", "))")
        }
    }
}
