import ArgumentParser
import Plasticity

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge results files (e.g. the shards of a job array) into one; repeating it changes nothing.")

    @Argument(help: "Results files to merge.")
    var inputs: [String]

    @Option(help: "Target results file (created if missing).")
    var db: String

    func run() throws {
        print(try ResultsMerge.merge(inputs, into: db).text)
    }
}
