import ArgumentParser
import Plasticity

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export a results file as CSV tables (runs, curves, metrics, analyses) for Python/R.")

    @Argument(help: "Results file.")
    var db: String

    @Option(help: "Output directory for the CSV files (created if missing).")
    var csv: String

    func run() throws {
        try Directory.checkCreatable(csv)
        let written = try CSVExport.write(store: try ResultsStore.open(existing: db), to: csv)
        print(written.joined(separator: "\n"))
    }
}
