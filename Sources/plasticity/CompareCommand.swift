import ArgumentParser
import Foundation
import Plasticity

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare rules on one task over seeds (the one-line form of a protocol) and print a table.")

    @Option(help: "Rules, comma-separated, e.g. bptt,eprop-random,node-perturbation.")
    var rules: String

    @Option(help: "Seeds: a count n (seeds 1...n) or a comma-separated list, e.g. 1,2,7.")
    var seeds: String = "5"

    @OptionGroup(title: "Task options") var task: TaskOptions
    @OptionGroup(title: "Model options") var model: ModelOptions
    @OptionGroup(title: "Training options") var training: TrainingOptions
    @OptionGroup(title: "Optimiser options") var optimizer: OptimizerOptions
    @OptionGroup var runner: RunnerOptions
    @OptionGroup var memory: MemoryOptions

    @Option(
        name: .customLong("rule-param"),
        help: "Rule hyperparameter NAME=VALUE for every listed rule that has it, or RULE:NAME=VALUE for one (repeatable).")
    var ruleParams: [String] = []

    @Option(help: "Keep the results in this file (default: a temporary file, removed afterwards).")
    var db: String?

    @Flag(help: "Print one JSON object (the groups, their settings and comparisons; docs/outputs.md).")
    var json = false

    func run() throws {
        let names = rules.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let settings = try RuleLibrary(userDirectories: []).settings(forEach: names, parsing: ruleParams)
        let experiment = try ExperimentProtocol.comparison(
            rules: names, task: task.task, seedList: try ExperimentProtocol.seeds(parsing: seeds),
            taskParameters: try task.parameters(), model: try model.spec(task: task.task), training: training.config(),
            optimizer: optimizer.settings, ruleSettings: settings)
        let comparison = Comparison(experiment: experiment, db: db, workers: runner.workers, report: runner.report, memoryLimit: try memory.limit())
        let bar = ProgressBar(label: "compare")
        let output = try comparison.run(interruption: Interruption(), resume: resumeHint()) { bar.update(done: $0, total: $1) }
        bar.finish()
        if let signal = output.interrupted {
            FileHandle.standardError.write(Data((output.interruption + "\n").utf8))
            Foundation.exit(Interruption.status(signal))
        }
        print(json ? output.json : output.text)
    }
}
