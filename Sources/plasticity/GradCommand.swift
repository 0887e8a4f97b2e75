import ArgumentParser
import Foundation
import Plasticity

struct GradCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grad",
        abstract: "Export parameters, one batch, the loss and a rule's update direction (BPTT: the exact gradient) as JSON.")

    @OptionGroup(title: "Task options") var task: TaskOptions
    @OptionGroup(title: "Model options") var model: ModelOptions
    @OptionGroup(title: "Rule options") var rule: RuleOptions

    @Option(help: "Random seed.")
    var seed: UInt64 = 1

    @Option(help: "Batch size.")
    var batch: Int = 8

    @Option(help: "Output file (default: stdout).")
    var out: String?

    func run() throws {
        var spec = try runSpec(task: task, model: model, rule: rule, seed: seed)
        spec.training.batchSize = batch
        let data = try GradientExport.json(try GradientExport.make(spec))
        if let out {
            try AtomicFile.write(data, to: out)
        } else {
            print(String(decoding: data, as: UTF8.self))
        }
    }
}
