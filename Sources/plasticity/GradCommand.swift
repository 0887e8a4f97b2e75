import ArgumentParser
import Foundation
import Plasticity

struct GradCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grad",
        abstract: "Export parameters, one batch, the loss and a rule's update direction (BPTT: the exact gradient) as JSON.")

    @OptionGroup var common: TaskModelOptions

    @Option(help: "Learning rule: configuration name, implementation id or .toml file (bptt and rtrl export the exact gradient).")
    var rule: String = "bptt"

    @Option(name: .customLong("rule-param"), help: "Rule hyperparameter NAME=VALUE (repeatable).")
    var ruleParams: [String] = []

    @Option(name: .customLong("rules-dir"), help: "A directory of your own rule files (repeatable).")
    var rulesDirs: [String] = []

    @Option(help: "Batch size.")
    var batch: Int = 8

    @Option(help: "Output file (default: stdout).")
    var out: String?

    func run() throws {
        var request = GradientExport.Request(task: common.task)
        request.taskParameters = try common.taskParameters()
        request.rule = rule
        request.rulesDirectories = rulesDirs
        let library = try RuleLibrary(userDirectories: rulesDirs)
        request.ruleSettings = try library.parseSettings(ruleParams, for: try library.resolve(rule))
        request.model = common.modelSpec()
        request.batchSize = batch
        request.seed = common.seed
        let data = try GradientExport.json(try GradientExport.make(request))
        if let out {
            try AtomicFile.write(data, to: out)
        } else {
            print(String(decoding: data, as: UTF8.self))
        }
    }
}
