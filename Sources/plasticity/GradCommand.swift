import ArgumentParser
import Foundation
import Plasticity

struct GradCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grad",
        abstract: "Export parameters, one batch, the loss and a rule's update direction (BPTT: the exact gradient) as JSON.")

    @OptionGroup var common: TaskModelOptions

    @Option(help: "Learning rule id (BPTT and RTRL export the exact gradient).")
    var rule: String = "bptt"

    @Option(help: "Batch size.")
    var batch: Int = 8

    @Option(help: "Output file (default: stdout).")
    var out: String?

    func run() throws {
        var request = GradientExport.Request(task: common.task)
        request.taskParameters = try common.taskParameters()
        request.rule = rule
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
