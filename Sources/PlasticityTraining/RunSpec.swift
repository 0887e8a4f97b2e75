/// One training run, fully specified: what the CLI's `train` builds from its options and what a
/// protocol cell resolves to. Executing it twice with the same spec gives bit-identical results.
public struct RunSpec: Codable, Equatable, Sendable {
    public var task: String
    public var taskParameters: [String: Double] = [:]
    /// A rule configuration name (rules/*.toml), an implementation id, or a path to a .toml rule file.
    public var rule: String = BPTT.id
    /// Hyperparameters on top of the configuration's (a choice is stored as its index).
    public var ruleSettings: [String: Double] = [:]
    /// User directories of rule files, searched besides the shipped rules/ folder.
    public var rulesDirectories: [String] = []
    /// Explicit optimiser settings: they win over everything. Below them, a field of
    /// `training.optimizer` that differs from `OptimizerConfig()`'s default counts as set by the
    /// caller and wins over the rule file's; otherwise the rule file's setting applies.
    public var optimizerOverrides = OptimizerSettings()
    public var model = ModelSpec()
    public var training = TrainingConfig()
    public var seed: UInt64 = 1
    /// Rule modifiers on top of the rule file's (`ModifierConfig.merged`: each kind at most once).
    public var modifiers: [ModifierConfig] = []
    /// Train through this curriculum of N instead of one task setting (`CurriculumRun`); nil: a plain run.
    public var curriculum: CurriculumConfig? = nil

    public init(task: String) { self.task = task }

    enum CodingKeys: String, CodingKey {
        case task, taskParameters, rule, ruleSettings, rulesDirectories, optimizerOverrides, model, training, seed, modifiers, curriculum
    }

    /// Specs stored before `rulesDirectories`, `optimizerOverrides` and `modifiers` existed still decode.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        task = try c.decode(String.self, forKey: .task)
        taskParameters = try c.decodeIfPresent([String: Double].self, forKey: .taskParameters) ?? [:]
        rule = try c.decodeIfPresent(String.self, forKey: .rule) ?? BPTT.id
        ruleSettings = try c.decodeIfPresent([String: Double].self, forKey: .ruleSettings) ?? [:]
        rulesDirectories = try c.decodeIfPresent([String].self, forKey: .rulesDirectories) ?? []
        optimizerOverrides = try c.decodeIfPresent(OptimizerSettings.self, forKey: .optimizerOverrides) ?? OptimizerSettings()
        model = try c.decodeIfPresent(ModelSpec.self, forKey: .model) ?? ModelSpec()
        training = try c.decodeIfPresent(TrainingConfig.self, forKey: .training) ?? TrainingConfig()
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? 1
        modifiers = try c.decodeIfPresent([ModifierConfig].self, forKey: .modifiers) ?? []
        curriculum = try c.decodeIfPresent(CurriculumConfig.self, forKey: .curriculum)
    }
}

/// What a finished run leaves: its learning curve and result, and the trained network.
public struct RunOutcome {
    public var result: TrainingResult
    public var model: any RecurrentModel
    public var task: any Task
    /// The rule configuration the run's `rule` resolved to.
    public var rule: RuleConfiguration
    /// The optimiser actually used (defaults, then the rule file's settings, then overrides).
    public var optimizer: OptimizerConfig
}

extension RunSpec {
    /// The rule configuration `rule` names, looked up in the shipped rules/ and `rulesDirectories`.
    public func ruleConfiguration(rules: RuleRegistry = .standard) throws -> RuleConfiguration {
        try RuleLibrary(registry: rules, userDirectories: rulesDirectories).resolve(rule)
    }

    /// The training configuration with the rule file's optimiser settings and the overrides applied
    /// (precedence: `optimizerOverrides`, then fields of `training.optimizer` changed from the
    /// default, then the rule file, then the defaults).
    public func effectiveTraining(for configuration: RuleConfiguration) -> TrainingConfig {
        let defaults = OptimizerConfig(), given = training.optimizer
        var fromFile = configuration.optimizer
        if given.kind != defaults.kind { fromFile.kind = nil }
        if given.learningRate != defaults.learningRate { fromFile.learningRate = nil }
        if given.momentum != defaults.momentum { fromFile.momentum = nil }
        if given.nesterov != defaults.nesterov { fromFile.nesterov = nil }
        if given.clipNorm != defaults.clipNorm { fromFile.clipNorm = nil }
        var t = training
        t.optimizer = optimizerOverrides.applied(to: fromFile.applied(to: given))
        return t
    }

    /// The run's modifiers: the rule file's, then the spec's (a kind given twice is an InputError),
    /// each checked against `network` (errors name the rule file when the entry came from it).
    public func effectiveModifiers(for configuration: RuleConfiguration, network: any RecurrentModel) throws -> [ModifierConfig] {
        try RunModifiers.validate(configuration.modifiers, model: network, file: configuration.file)
        try RunModifiers.validate(modifiers, model: network)
        return try ModifierConfig.merged([configuration.modifiers, modifiers], file: configuration.file)
    }

    /// Checks every name and value (task, task parameters, model, training, rule, its settings and modifiers)
    /// without training: one InputError line on bad input. Protocol runners call it for every cell
    /// before starting any, so a typo never surfaces halfway through a sweep. The run's memory
    /// estimate (`RunMemory`) above `memoryLimit` is refused too, before the rule allocates anything.
    public func validate(tasks: TaskRegistry = .standard, rules: RuleRegistry = .standard, memoryLimit: Int? = MemoryLimit.available()) throws {
        if let curriculum { return try CurriculumRun(spec: self, curriculum: curriculum).validate(rules: rules, memoryLimit: memoryLimit) }
        let task = try tasks.make(self.task, parameters: taskParameters)
        try model.validate()
        let library = try RuleLibrary(registry: rules, userDirectories: rulesDirectories)
        let configuration = try library.resolve(rule)
        let training = effectiveTraining(for: configuration)
        try training.validate()
        try optimizerOverrides.checkApplies(to: training.optimizer)
        try RunMemory(spec: self, rule: configuration, tasks: tasks).check(limit: memoryLimit, what: "the run")
        // Settings and modifiers do not depend on N: a small network checks them without allocating
        // the run's size (RTRL's sensitivities grow as N³ even for one trial).
        var probe = model
        probe.hidden = min(model.hidden, 8)
        let network = probe.makeModel(inputSize: task.inputSize, outputSize: task.outputSize, rng: RandomSource(seed: seed, stream: "validate"))
        _ = try effectiveModifiers(for: configuration, network: network)
        _ = try library.make(
            configuration, overrides: ruleSettings, model: network, objective: Objective(lossKind: task.lossKind),
            batchSize: 1, maxSteps: 1)
    }

    /// Validates everything (one InputError line on bad input, a memory estimate above
    /// `memoryLimit` included), then trains. `checkpoint` goes to
    /// `Trainer.train` (called at every evaluation, e.g. for geometry snapshots).
    /// `saving`: write a `TrainingCheckpoint` to `file` every `every` trials (a write that fails stops
    /// the run with a WriteFailure naming the file); `resume`: continue from such a checkpoint.
    /// `stopRequested` is asked at every step boundary: true stops the run there, writes the
    /// checkpoint (with `saving`) and throws `TrainingStopped`.
    public func execute(
        tasks: TaskRegistry = .standard, rules: RuleRegistry = .standard, memoryLimit: Int? = MemoryLimit.available(),
        saving: (file: String, every: Int)? = nil, resume: (checkpoint: TrainingCheckpoint, file: String)? = nil,
        progress: ((Int, Int) -> Void)? = nil,
        checkpoint: ((Int, any RecurrentModel, Evaluation) -> Void)? = nil,
        stopRequested: (() -> Bool)? = nil
    ) throws -> RunOutcome {
        let task = try tasks.make(self.task, parameters: taskParameters)
        try model.validate()
        let library = try RuleLibrary(registry: rules, userDirectories: rulesDirectories)
        let configuration = try library.resolve(rule)
        let training = effectiveTraining(for: configuration)
        try training.validate()
        try optimizerOverrides.checkApplies(to: training.optimizer)
        var estimated = self
        estimated.training = training
        try RunMemory(spec: estimated, rule: configuration, tasks: tasks).check(limit: memoryLimit, what: "the run")
        if let saving {
            try TrainingCheckpoint.checkSupported(self, rule: configuration)
            if saving.every < 1 { throw InputError.outOfRange("checkpoint-every", Double(saving.every), range: ">= 1", key: "--checkpoint-every") }
            try AtomicFile.checkDestination(saving.file)
        }
        if resume != nil { try TrainingCheckpoint.checkSupported(self, rule: configuration, key: "--resume") }
        let resumeState = try resume.map { try $0.checkpoint.state(for: self, file: $0.file) }
        let streams = RunStreams(seed: seed, model: model)
        var network = model.makeModel(inputSize: task.inputSize, outputSize: task.outputSize, rng: streams.initialization)
        let modifiers = try RunModifiers(effectiveModifiers(for: configuration, network: network), task: task, model: network, batchSize: training.batchSize, seed: seed)
        let validation = ValidationSet(task: task, config: training, rng: streams.validation, initialStates: streams.validationInitialStates)
        modifiers.baseline = validation.curveBaseline
        let rule = try library.make(
            configuration, overrides: ruleSettings, model: network, objective: modifiers.objective(lossKind: task.lossKind),
            batchSize: training.batchSize, maxSteps: task.maxSteps)
        var saveFailure: Error?
        var stoppedAt: Int?
        var result = Trainer.train(
            model: &network, task: task, rule: rule, config: training, streams: streams,
            progress: { trials, budget in
                modifiers.afterBatch(trials: trials)
                progress?(trials, budget)
            },
            checkpoint: { trials, model, evaluation in
                modifiers.checkpoint(trials: trials, model: model, evaluation: evaluation)
                checkpoint?(trials, model, evaluation)
            },
            afterUpdate: modifiers.afterUpdate, evaluationForward: modifiers.evaluationForward, validation: validation,
            resume: resumeState,
            checkpointing: saving.map { saving in
                TrainerCheckpointing(every: saving.every) { state in
                    do {
                        try TrainingCheckpoint(spec: self, state: state).write(to: saving.file)
                        return true
                    } catch let failure as WriteFailure {
                        saveFailure = failure.keeping(
                            "the checkpoint written before it (if any) is intact; free space and run the same command, with --resume \(saving.file) to continue from it")
                        return false
                    } catch {
                        saveFailure = error
                        return false
                    }
                }
            },
            stop: stopRequested.map { requested in
                { trials in
                    guard requested() else { return false }
                    stoppedAt = trials
                    return true
                }
            })
        if let saveFailure { throw saveFailure }
        if let stoppedAt { throw TrainingStopped(trials: stoppedAt, checkpoint: saving?.file) }
        result.tcrTrace = modifiers.tcrTrace
        return RunOutcome(result: result, model: network, task: task, rule: configuration, optimizer: training.optimizer)
    }
}
