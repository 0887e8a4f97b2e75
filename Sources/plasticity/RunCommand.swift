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

    func run() throws {
        let experiment = try ProtocolLibrary.load(protocolFile).experiment
        let shard = try cells.map(CellShard.parse)
        try ProtocolRunner.validate(workers: runner.workers, shard: shard)
        try Directory.createParent(of: db)
        let store = try ResultsStore(path: db)
        let bar = ProgressBar(label: experiment.name)
        let summary = try ProtocolRunner.run(experiment, store: store, workers: runner.workers, shard: shard) { bar.update(done: $0, total: $1) }
        bar.finish()
        print(summary.text(protocolName: experiment.name, db: db))
        let groups = GroupSummary.make(try store.runs(protocol: experiment.name), protocols: [experiment.name: experiment])
        if !groups.isEmpty { print("\n" + groups.map(\.shortTable).joined(separator: "\n\n") + "\n\nfull tables: plasticity report \(db) --out DIR") }
        if let report = runner.report {
            let written = try Report.write(store: store, to: report)
            print("report: \(written.joined(separator: ", "))")
        }
    }
}
