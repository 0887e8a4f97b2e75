import ArgumentParser
import Foundation
import Plasticity

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Train one network with one rule and report trials to criterion.")

    @OptionGroup var common: TaskModelOptions

    @Option(help: "Learning rule: a configuration name, an implementation id or a .toml file (see `plasticity rules`).")
    var rule: String = "bptt"

    @Option(name: .customLong("rules-dir"), help: "A directory of your own rule files (repeatable).")
    var rulesDirs: [String] = []

    @Option(name: .customLong("rule-param"), help: "Rule hyperparameter NAME=VALUE (repeatable).")
    var ruleParams: [String] = []

    @Option(name: .customLong("tcr-lambda"), help: "Add temporal consistency regularisation of strength lambda_TCR (the starting value for --tcr-schedule plateau).")
    var tcrLambda: Double?

    @Option(name: .customLong("tcr-schedule"), help: "TCR schedule: constant, freeze-in or plateau, other settings at their defaults (a rule file's modifiers set them all).")
    var tcrSchedule: String?

    @Option(help: "Training budget in trials (sequences).")
    var maxTrials: Int = 20_000

    @Option(help: "Criterion threshold on the validation metric.")
    var criterion: Double = 0.95

    @Option(help: "Criterion metric: accuracy (>=) or loss (<=).")
    var criterionMetric: Criterion.Metric = .accuracy

    @Option(help: "Batch size (trials per update).")
    var batch: Int = 32

    @Option(help: "Optimiser: adam or sgd (default: the rule file's, else adam).")
    var optimizer: OptimizerKind?

    @Option(help: "Learning rate (default: the rule file's, else 0.001).")
    var lr: Double?

    @Option(help: "SGD momentum (default: the rule file's, else 0).")
    var momentum: Double?

    @Option(help: "Clip the update's L2 norm at this value (default: the rule file's, else no clipping).")
    var clip: Double?

    @Option(help: "Evaluate every this many trials (default: 1% of the budget, at most 256, whole batches).")
    var evalEvery: Int?

    @Option(help: "Validation set size (trials).")
    var validation: Int = 256

    @Flag(help: "Keep training to the budget after reaching the criterion.")
    var noStop = false

    @Option(help: "Save the trained network to this JSON file.")
    var save: String?

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        var spec = RunSpec(task: common.task)
        spec.taskParameters = try common.taskParameters()
        spec.rule = rule
        spec.rulesDirectories = rulesDirs
        let library = try RuleLibrary(userDirectories: rulesDirs)
        spec.ruleSettings = try library.parseSettings(ruleParams, for: try library.resolve(rule))
        spec.model = common.modelSpec()
        spec.seed = common.seed
        spec.training.maxTrials = maxTrials
        spec.training.criterion = Criterion(metric: criterionMetric, threshold: criterion)
        spec.training.batchSize = batch
        spec.training.evalEvery = evalEvery
        spec.training.validationSize = validation
        spec.optimizerOverrides = OptimizerSettings(kind: optimizer, learningRate: lr, momentum: momentum, clipNorm: clip)
        spec.training.stopAtCriterion = !noStop
        if tcrLambda != nil || tcrSchedule != nil {
            let config = try TCRConfig(
                schedule: tcrSchedule ?? TCRScheduleKind.constant.rawValue, settings: tcrLambda.map { ["lambda": $0] } ?? [:], key: "--tcr")
            spec.modifiers = [.tcr(config)]
        }
        let bar = ProgressBar(label: "train")
        let outcome = try spec.execute { bar.update(done: $0, total: $1) }
        bar.finish()
        let summary = RunSummary(spec: spec, outcome: outcome)
        print(json ? try summary.json() : summary.text())
        if let path = save {
            try SavedNetwork(spec: spec, model: outcome.model).write(to: path)
        }
    }
}
