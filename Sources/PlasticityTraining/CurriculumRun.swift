/// One curriculum run, fully specified: a `RunSpec` (task n-parity or n-dms, model, rule,
/// optimiser, batch, budget, seed; its task parameters are ignored, the curriculum sets N) and the
/// curriculum. Same spec → bit-identical result.
public struct CurriculumRun: Codable, Equatable, Sendable {
    public var spec: RunSpec
    public var curriculum: CurriculumConfig

    public init(spec: RunSpec, curriculum: CurriculumConfig) {
        self.spec = spec
        self.curriculum = curriculum
    }

    /// The task family `spec.task` names (InputError for any other task).
    public func family(file: String? = nil) throws -> MemoryTaskFamily {
        guard let family = MemoryTaskFamily(rawValue: spec.task) else {
            throw InputError.invalid(
                "a curriculum needs a memory task, not '\(spec.task)'; valid: \(MemoryTaskFamily.allCases.map(\.rawValue).joined(separator: ", "))",
                file: file, key: "task")
        }
        return family
    }

    /// The trained network and what the curriculum recorded.
    public struct Outcome {
        public var result: CurriculumResult
        public var model: any RecurrentModel
        public var optimizer: OptimizerConfig
        /// The network as it was when its last stage passed (nil when none did).
        public var lastPassModel: (any RecurrentModel)?
        /// Every setting the run trained with, after precedence (the rule file's optimiser, not the
        /// spec's default), as plain runs and protocol cells record them.
        public var settings: ResolvedConfiguration
    }

    /// Checks everything without training (one InputError line on bad input).
    /// The largest stage's memory estimate above `memoryLimit` is refused too; the rule is built for
    /// a small network only (settings do not depend on N).
    public func validate(rules: RuleRegistry = .standard, memoryLimit: Int? = nil) throws {
        _ = try prepare(rules: rules, validating: true, memoryLimit: memoryLimit)
    }

    /// Validates, then trains through the curriculum.
    /// `observe` measures the network at each stage (PlasticityAnalysis's `StreamMeasurement.curriculumObserver`).
    public func execute(
        rules: RuleRegistry = .standard, memoryLimit: Int? = nil, progress: ((Int, Int) -> Void)? = nil, observe: CurriculumStageObserver? = nil
    ) throws -> Outcome {
        let p = try prepare(rules: rules, validating: false, memoryLimit: memoryLimit)
        var network = p.model
        let streams = RunStreams(seed: spec.seed, model: spec.model)
        var lastPass: (any RecurrentModel)?
        let result = Curriculum.train(
            model: &network, family: p.family, config: curriculum, rule: p.rule, training: p.training, streams: streams,
            testStream: RandomSource(seed: spec.seed, stream: "curriculum-test"), progress: progress, observe: observe,
            onPass: { lastPass = $0 })
        var stated = spec
        stated.curriculum = curriculum
        return Outcome(
            result: result, model: network, optimizer: p.training.optimizer, lastPassModel: lastPass,
            settings: stated.resolvedConfiguration(rule: p.configuration))
    }

    /// The model (a readout head per curriculum head, drawn from the run's init stream), the rule
    /// built for it with the headwise loss, and the effective training settings.
    func prepare(
        rules: RuleRegistry, validating: Bool, memoryLimit: Int?
    ) throws -> (family: MemoryTaskFamily, model: any RecurrentModel, rule: any LearningRule, training: TrainingConfig, configuration: RuleConfiguration) {
        let family = try family()
        try curriculum.validate(family: family)
        try spec.model.validate()
        let library = try RuleLibrary(registry: rules, userDirectories: spec.rulesDirectories)
        let configuration = try library.resolve(spec.rule)
        let training = spec.effectiveTraining(for: configuration)
        try training.validate()
        // The longest stage: N = maxN, M up to 4 maxN + 1 steps.
        let maxSteps = MultiHeadMemoryTask(family: family, memories: curriculum.maxN...curriculum.maxN, heads: 1).maxSteps
        let outputs = GroupedLayout.width * curriculum.heads
        var estimated = spec
        estimated.training = training
        try RunMemory(spec: estimated, rule: configuration, steps: maxSteps, inputs: 1, outputs: outputs).check(limit: memoryLimit, what: "the run")
        var shape = spec.model
        if validating { shape.hidden = min(shape.hidden, 8) }
        let model = shape.makeModel(inputSize: 1, outputSize: outputs, rng: RunStreams(seed: spec.seed).initialization)
        let modifiers = try spec.effectiveModifiers(for: configuration, network: model)
        if !modifiers.isEmpty {
            throw InputError.invalid(
                "curricula do not support modifiers yet (rule '\(spec.rule)' has \(modifiers.count) modifier(s)); valid: a rule without modifiers",
                file: configuration.file, key: "modifiers")
        }
        let rule = try library.make(
            configuration, overrides: spec.ruleSettings, model: model, objective: Objective(lossKind: .headwiseCrossEntropy),
            batchSize: validating ? 1 : training.batchSize, maxSteps: validating ? 1 : maxSteps)
        return (family, model, rule, training, configuration)
    }
}
