import ArgumentParser
import Plasticity

struct TasksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tasks", abstract: "List the tasks and their parameters.")

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        print(json ? try TaskCatalog.json() : TaskCatalog.text())
    }
}
