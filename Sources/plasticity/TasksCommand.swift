import ArgumentParser
import Plasticity

struct TasksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tasks", abstract: "List the tasks and their parameters.")

    @Flag(help: "Print JSON.")
    var json = false

    @Flag(help: "Print the Markdown table of the docs between its `make doc-tables` markers.")
    var markdown = false

    func run() throws {
        if markdown {
            print(TaskCatalog.markdownTables().map(\.block).joined(separator: "\n\n"))
        } else {
            print(json ? try TaskCatalog.json() : TaskCatalog.text())
        }
    }
}
