import ArgumentParser
import Plasticity

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Write an HTML page with SVG plots and a Markdown summary from a results file.")

    @Argument(help: "Results file written by `plasticity run` or `compare --db`.")
    var db: String

    @Option(help: "Output directory (created if missing).")
    var out: String = "report"

    func run() throws {
        try Directory.checkCreatable(out)
        let written = try Report.write(store: try ResultsStore.open(existing: db), to: out)
        print(written.joined(separator: "\n"))
    }
}
