import ArgumentParser
import Foundation
import Plasticity

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predictions for experiments: run a protocol's missing cells, then per rule what an experimenter could measure, how the rules differ, and which experiments identify the rule.")

    @Argument(help: "Protocol file (TOML) or shipped protocol name, e.g. predictions.")
    var protocolFile: String

    @Option(help: "Results file (SQLite); created if missing, finished cells are reused.")
    var db: String

    @Option(help: "Directory for predictions.md, predictions.csv and the SVG plots (created if missing).")
    var out: String

    // Optional so that --help does not print this machine's core count.
    @Option(name: .customLong("workers"), help: "Parallel workers (default: all cores). Results are identical for any number.")
    var workersOption: Int?

    func run() throws {
        let experiment = try ProtocolLibrary.load(protocolFile).experiment
        let workers = workersOption ?? ProcessInfo.processInfo.activeProcessorCount
        try ProtocolRunner.validate(workers: workers, shard: nil)
        try Directory.createParent(of: db)
        let store = try ResultsStore(path: db)
        let bar = ProgressBar(label: experiment.name)
        let summary = try ProtocolRunner.run(experiment, store: store, workers: workers) { bar.update(done: $0, total: $1) }
        bar.finish()
        print("\(experiment.name): \(summary.cells) cells, \(summary.skipped) already stored, \(summary.completed) run now (\(summary.diverged) diverged)")
        let table = try PredictionTable.make(store: store, experiment: experiment)
        let files = try PredictionsReport.write(
            table, to: out, source: db, command: "plasticity predict \(protocolFile) --db \(db) --out \(out)")
        print(PredictionsReport.overview(table))
        print("written: " + files.map { ($0 as NSString).lastPathComponent }.joined(separator: ", "))
    }
}
