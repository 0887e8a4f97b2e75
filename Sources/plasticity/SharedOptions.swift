import ArgumentParser
import Foundation
import Plasticity

extension Activation: ExpressibleByArgument {}
extension ModelKind: ExpressibleByArgument {}
extension Initialization: ExpressibleByArgument {}
extension OptimizerKind: ExpressibleByArgument {}
extension Criterion.Metric: ExpressibleByArgument {}
extension AblationOrder: ExpressibleByArgument {}
extension TCRScheduleKind: ExpressibleByArgument {}

/// The valid values of an enum option, for its help line.
func choices<T: CaseIterable & RawRepresentable>(_: T.Type) -> String where T.RawValue == String {
    T.allCases.map(\.rawValue).joined(separator: ", ")
}

/// A comma-separated list of enum values (`--order random,tau`); a bad name is reported with the valid ones.
func commaSeparated<T: CaseIterable & RawRepresentable>(_ text: String, what: String) throws -> [T] where T.RawValue == String {
    try text.split(separator: ",").map { part in
        let name = part.trimmingCharacters(in: .whitespaces)
        guard let value = T(rawValue: name) else { throw InputError.unknown(what, name, valid: T.allCases.map(\.rawValue)) }
        return value
    }
}

/// The run the task, model and rule options describe, with its seed: what train and grad start from.
func runSpec(task: TaskOptions, model: ModelOptions, rule: RuleOptions, seed: UInt64) throws -> RunSpec {
    var spec = RunSpec(task: task.task)
    spec.taskParameters = try task.parameters()
    spec.rule = rule.rule
    spec.rulesDirectories = rule.directories.rulesDirs
    spec.ruleSettings = try rule.settings()
    spec.model = try model.spec(task: task.task)
    spec.seed = seed
    return spec
}

/// A task and its parameters; shared by train, grad and compare.
struct TaskOptions: ParsableArguments {
    @Option(help: "Task id (see `plasticity tasks`).")
    var task: String

    @Option(name: .customLong("task-param"), help: "Task parameter NAME=VALUE (repeatable), e.g. N=3.")
    var taskParams: [String] = []

    func parameters() throws -> [String: Double] {
        var values: [String: Double] = [:]
        for text in taskParams {
            let (name, value) = try parseAssignment(text, option: "--task-param")
            values[name] = value
        }
        return values
    }
}

/// The network model; shared by train, grad and compare.
struct ModelOptions: ParsableArguments {
    @Option(help: "Network model.")
    var model: ModelKind = .leaky

    @Option(help: "Number of recurrent neurons N.")
    var hidden: Int = 64

    @Option(help: "Nonlinearity (default: the task's recommendation, see `plasticity tasks`).")
    var activation: Activation?

    @Option(help: "Weight initialisation (default: gain; leaky and plrnn).")
    var initialization: Initialization?

    @Option(help: "Recurrent gain g (W ~ N(0, g²/N)); g > 1 is chaotic (default: 1.5; leaky and plrnn).")
    var gain: Double?

    @Flag(help: "Keep tau fixed at its initial values (leaky).")
    var fixedTau = false

    @Option(help: "Random initial state h_0 = SCALE·U(0, 1) per trial (the ICLR 2024 recipe: 0.1); default h_0 = 0.")
    var initialStateScale: Double?

    /// The model for `task` (its recommended activation unless one is stated). A setting the model
    /// does not use (`--model plrnn --activation tanh`) is an error.
    func spec(task: String) throws -> ModelSpec {
        var stated: [String] = []
        if activation != nil { stated.append("activation") }
        if initialization != nil { stated.append("initialization") }
        if gain != nil { stated.append("gain") }
        if fixedTau { stated.append("fixed-tau") }
        try model.checkApplies(stated: stated)
        var spec = ModelSpec()
        spec.kind = model
        spec.hidden = hidden
        spec.activation = ModelSpec.activation(stated: activation, taskID: task)
        spec.initialization = initialization ?? spec.initialization
        spec.gain = gain ?? spec.gain
        spec.trainTau = !fixedTau
        spec.initialStateScale = initialStateScale
        return spec
    }
}

/// A learning rule with its hyperparameter overrides and the user's rule directories; shared by train and grad.
struct RuleOptions: ParsableArguments {
    @Option(help: "Learning rule: a configuration name, an implementation id or a .toml file (see `plasticity rules`).")
    var rule: String = "bptt"

    @OptionGroup var directories: RulesDirectoryOptions

    @Option(name: .customLong("rule-param"), help: "Rule hyperparameter NAME=VALUE (repeatable).")
    var ruleParams: [String] = []

    /// The `--rule-param` values checked against the resolved rule's hyperparameters.
    func settings() throws -> [String: Double] {
        let library = try directories.library()
        return try library.parseSettings(ruleParams, for: try library.resolve(rule))
    }
}

/// The user's own rule directories; shared by rules, train and grad.
struct RulesDirectoryOptions: ParsableArguments {
    @Option(name: .customLong("rules-dir"), help: "A directory of your own rule files (repeatable).")
    var rulesDirs: [String] = []

    func library() throws -> RuleLibrary { try RuleLibrary(userDirectories: rulesDirs) }
}

/// The training budget, criterion, batch and evaluation cadence; shared by train and compare.
struct TrainingOptions: ParsableArguments {
    @Option(help: "Training budget in trials (sequences).")
    var maxTrials: Int = 20_000

    @Option(help: "Criterion threshold on the validation metric.")
    var criterion: Double = 0.95

    @Option(help: "Criterion metric: accuracy (>=) or loss (<=).")
    var criterionMetric: Criterion.Metric = .accuracy

    @Option(help: "Batch size (trials per update).")
    var batch: Int = 32

    @Option(help: "Evaluate every this many trials (default: 1% of the budget, at most 256, whole batches).")
    var evalEvery: Int?

    /// These settings over `base` (whose other fields are kept).
    func config(over base: TrainingConfig = TrainingConfig()) -> TrainingConfig {
        var training = base
        training.maxTrials = maxTrials
        training.criterion = Criterion(metric: criterionMetric, threshold: criterion)
        training.batchSize = batch
        training.evalEvery = evalEvery
        return training
    }
}

/// Optimiser overrides of the rule file's settings; shared by train and compare.
struct OptimizerOptions: ParsableArguments {
    @Option(help: "Optimiser (default: the rule file's, else adam).")
    var optimizer: OptimizerKind?

    @Option(help: "Learning rate (default: the rule file's, else 0.001).")
    var lr: Double?

    @Option(help: "SGD momentum (default: the rule file's, else 0).")
    var momentum: Double?

    @Option(help: "Clip the update's L2 norm at this value (default: the rule file's, else no clipping).")
    var clip: Double?

    var settings: OptimizerSettings { OptimizerSettings(kind: optimizer, learningRate: lr, momentum: momentum, clipNorm: clip) }
}

/// The memory a run may plan for; shared by train, run and compare.
struct MemoryOptions: ParsableArguments {
    @Option(name: .customLong("max-memory"), help: "Refuse runs whose memory estimate exceeds this, e.g. 8G or 512M (default: the available physical memory).")
    var maxMemory: String?

    /// The limit in bytes (nil where the available memory cannot be read).
    func limit() throws -> Int? { try MemoryLimit.resolve(maxMemory) }
}

/// Parallel workers and an optional report directory; shared by run and compare.
struct RunnerOptions: ParsableArguments {
    // Optional so that --help does not print this machine's core count.
    @Option(name: .customLong("workers"), help: "Parallel workers (default: all cores). Results are identical for any number.")
    var workersOption: Int?

    var workers: Int { workersOption ?? ProcessInfo.processInfo.activeProcessorCount }

    @Option(help: "Also write the report (HTML + Markdown) into this directory.")
    var report: String?
}

/// A network saved by `train --save` and how to evaluate it; shared by ablate and perturb.
struct SavedNetworkOptions: ParsableArguments {
    @Argument(help: "Network saved by `plasticity train --save`.")
    var network: String

    @Option(help: "Evaluation trials.")
    var trials: Int = 256

    @Option(help: "Seed of the analysis streams (default: the network's training seed).")
    var seed: UInt64?

    @Flag(help: "Print JSON.")
    var json = false

    /// Runs `plan` on the saved network and prints its robustness table.
    func analyseAndPrint(_ plan: AnalysisPlan) throws {
        let saved = try SavedNetwork.load(from: network)
        let curves = try saved.analyse(plan, seed: seed, file: network)
        if let warning = saved.criterionWarning(file: network) { FileHandle.standardError.write(Data((warning + "\n").utf8)) }
        print(json ? try RobustnessTable.json(curves) : RobustnessTable.text(curves))
    }
}
