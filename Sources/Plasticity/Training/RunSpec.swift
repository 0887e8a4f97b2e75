/// One training run, fully specified: what the CLI's `train` builds from its options and what a
/// protocol cell resolves to. Executing it twice with the same spec gives bit-identical results.
public struct RunSpec: Codable, Equatable, Sendable {
    public var task: String
    public var taskParameters: [String: Double] = [:]
    public var rule: String = BPTT.id
    public var ruleSettings: [String: Double] = [:]
    public var model = ModelSpec()
    public var training = TrainingConfig()
    public var seed: UInt64 = 1

    public init(task: String) { self.task = task }
}

/// What a finished run leaves: its learning curve and result, and the trained network.
public struct RunOutcome {
    public var result: TrainingResult
    public var model: any RecurrentModel
    public var task: any Task
}

extension RunSpec {
    /// Checks every name and value (task, task parameters, model, training, rule and its settings)
    /// without training: one InputError line on bad input. Protocol runners call it for every cell
    /// before starting any, so a typo never surfaces halfway through a sweep.
    public func validate(tasks: TaskRegistry = .standard, rules: RuleRegistry = .standard) throws {
        let task = try tasks.make(self.task, parameters: taskParameters)
        try model.validate()
        try training.validate()
        let network = model.makeModel(inputSize: task.inputSize, outputSize: task.outputSize, rng: RandomSource(seed: seed, stream: "validate"))
        _ = try rules.make(
            rule, settings: ruleSettings, model: network, objective: Objective(lossKind: task.lossKind),
            batchSize: 1, maxSteps: 1)
    }

    /// Validates everything (one InputError line on bad input), then trains.
    public func execute(
        tasks: TaskRegistry = .standard, rules: RuleRegistry = .standard, progress: ((Int, Int) -> Void)? = nil
    ) throws -> RunOutcome {
        let task = try tasks.make(self.task, parameters: taskParameters)
        try model.validate()
        try training.validate()
        let streams = RunStreams(seed: seed)
        var network = model.makeModel(inputSize: task.inputSize, outputSize: task.outputSize, rng: streams.initialization)
        let rule = try rules.make(
            self.rule, settings: ruleSettings, model: network, objective: Objective(lossKind: task.lossKind),
            batchSize: training.batchSize, maxSteps: task.maxSteps)
        let result = Trainer.train(model: &network, task: task, rule: rule, config: training, streams: streams, progress: progress)
        return RunOutcome(result: result, model: network, task: task)
    }
}
