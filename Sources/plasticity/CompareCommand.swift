import ArgumentParser
import Foundation
import Plasticity

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare rules on one task over seeds (the one-line form of a protocol) and print a table.")

    @Option(help: "Rules, comma-separated, e.g. bptt,eprop-random,node-perturbation.")
    var rules: String

    @Option(help: "Seeds 1...n.")
    var seeds: Int = 5

    @OptionGroup(title: "Task options") var task: TaskOptions
    @OptionGroup(title: "Model options") var model: ModelOptions
    @OptionGroup(title: "Training options") var training: TrainingOptions
    @OptionGroup(title: "Optimiser options") var optimizer: OptimizerOptions
    @OptionGroup var runner: RunnerOptions
    @OptionGroup var memory: MemoryOptions

    @Option(help: "Keep the results in this file (default: a temporary file).")
    var db: String?

    func run() throws {
        let experiment = try ExperimentProtocol.comparison(
            rules: rules.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }, task: task.task, seeds: seeds,
            taskParameters: try task.parameters(), model: model.spec(task: task.task), training: training.config(), optimizer: optimizer.settings)
        let comparison = Comparison(experiment: experiment, db: db, workers: runner.workers, report: runner.report, memoryLimit: try memory.limit())
        let bar = ProgressBar(label: "compare")
        let output = try comparison.run { bar.update(done: $0, total: $1) }
        bar.finish()
        print(output.text)
    }
}
