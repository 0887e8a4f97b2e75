import ArgumentParser
import Foundation
import Plasticity

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare rules on one task over seeds (the one-line form of a protocol) and print a table.")

    @Option(help: "Rules, comma-separated, e.g. bptt,eprop-random,node-perturbation.")
    var rules: String

    @Option(help: "Task id (see `plasticity tasks`).")
    var task: String

    @Option(name: .customLong("task-param"), help: "Task parameter NAME=VALUE (repeatable).")
    var taskParams: [String] = []

    @Option(help: "Seeds 1...n.")
    var seeds: Int = 5

    @Option(help: "Model: \(ModelKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var model: ModelKind = .leaky

    @Option(help: "Number of recurrent neurons N.")
    var hidden: Int = 64

    @Option(help: "Nonlinearity: \(Activation.allCases.map(\.rawValue).joined(separator: ", ")) (default: the task's recommendation, see `plasticity tasks`, else leaky-relu).")
    var activation: Activation?

    @Option(help: "Recurrent gain g.")
    var gain: Double = 1.5

    @Option(help: "Training budget in trials.")
    var maxTrials: Int = 20_000

    @Option(help: "Criterion threshold on the validation metric.")
    var criterion: Double = 0.95

    @Option(help: "Criterion metric: accuracy (>=) or loss (<=).")
    var criterionMetric: Criterion.Metric = .accuracy

    @Option(help: "Batch size.")
    var batch: Int = 32

    @Option(help: "Learning rate (default: each rule file's).")
    var lr: Double?

    @Option(help: "Evaluate every this many trials (default: 1% of the budget, at most 256, whole batches).")
    var evalEvery: Int?

    @Option(help: "Parallel workers (default: all cores).")
    var workers: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Keep the results in this file (default: a temporary file).")
    var db: String?

    @Option(help: "Also write the report into this directory.")
    var report: String?

    func run() throws {
        var parameters: [String: Double] = [:]
        for text in taskParams {
            let (name, value) = try parseAssignment(text, option: "--task-param")
            parameters[name] = value
        }
        var spec = ModelSpec()
        spec.kind = model
        spec.hidden = hidden
        spec.activation = (try? TaskRegistry.standard.type(task)).map { ModelSpec.activation(stated: activation, task: $0) } ?? activation ?? spec.activation
        spec.gain = gain
        var training = TrainingConfig()
        training.maxTrials = maxTrials
        training.criterion = Criterion(metric: criterionMetric, threshold: criterion)
        training.batchSize = batch
        training.evalEvery = evalEvery
        let experiment = try ExperimentProtocol.comparison(
            rules: rules.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }, task: task, seeds: seeds,
            taskParameters: parameters, model: spec, training: training, optimizer: OptimizerSettings(learningRate: lr))
        try ProtocolRunner.validate(workers: workers, shard: nil)
        let path = db ?? NSTemporaryDirectory() + "plasticity-compare-\(ProcessInfo.processInfo.processIdentifier).sqlite"
        defer { if db == nil { try? FileManager.default.removeItem(atPath: path) } }
        if let db { try Directory.createParent(of: db) }
        let store = try ResultsStore(path: path)
        let bar = ProgressBar(label: "compare")
        _ = try ProtocolRunner.run(experiment, store: store, workers: workers) { bar.update(done: $0, total: $1) }
        bar.finish()
        for group in GroupSummary.make(try store.runs(protocol: experiment.name), protocols: [experiment.name: experiment]) {
            print("\(group.title)\n\n\(group.markdown)\n")
        }
        if let report { print("report: " + (try Report.write(store: store, to: report)).joined(separator: ", ")) }
    }
}
