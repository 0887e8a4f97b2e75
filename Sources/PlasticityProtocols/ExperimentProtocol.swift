import Foundation

/// A named condition of a protocol: model, training and task-parameter overrides on top of the
/// protocol's defaults (e.g. "g=2.5" with gain 2.5).
public struct ExperimentCondition: Codable, Equatable, Sendable {
    public var label: String
    public var model: ModelSpec
    public var training: TrainingConfig
    /// Optimiser settings the protocol states; they win over the rule file's.
    public var optimizer: OptimizerSettings
    /// Rule modifiers (TCR, short-term plasticity) on top of each rule file's.
    public var modifiers: [ModifierConfig]
    /// Task parameters for every task of the protocol ("*") and per task id.
    public var taskParameters: [String: [String: Double]]
    /// true when the protocol states no activation: each task's recommended one is used
    /// (`TaskMetadata.recommended`; nil in protocols stored before recommendations existed).
    public var activationFromTask: Bool?
    /// Train through this curriculum (`[curriculum]`); nil: plain runs.
    public var curriculum: CurriculumConfig?
    /// Only these of the protocol's rules run in this condition (e.g. GRU and LSTM with BPTT alone); nil: all.
    public var rules: [String]?
    /// Only these of the protocol's tasks run in this condition (e.g. a memory-load ladder of
    /// n-parity beside a flip-flop); nil: all.
    public var tasks: [String]?

    public init(
        label: String, model: ModelSpec, training: TrainingConfig, optimizer: OptimizerSettings = OptimizerSettings(),
        modifiers: [ModifierConfig] = [], taskParameters: [String: [String: Double]]
    ) {
        self.modifiers = modifiers
        self.label = label
        self.model = model
        self.training = training
        self.optimizer = optimizer
        self.taskParameters = taskParameters
    }

    /// The task parameters for `task`: the all-task values overlaid by the task's own.
    public func parameters(for task: String) -> [String: Double] {
        (taskParameters["*"] ?? [:]).merging(taskParameters[task] ?? [:]) { _, own in own }
    }
}

/// An experiment: rules × tasks × conditions × seeds, plus the analyses run on every trained
/// network. Read from a protocol file (`ProtocolParser`) or built in code (`plasticity compare`).
public struct ExperimentProtocol: Codable, Equatable, Sendable {
    public var name: String
    public var description: String = ""
    public var rules: [String]
    public var tasks: [String]
    public var seeds: [UInt64]
    /// Rule settings per rule name (hyperparameters checked by the rule).
    public var ruleSettings: [String: [String: Double]] = [:]
    /// At least one; a protocol without `[[conditions]]` has one unnamed condition.
    public var conditions: [ExperimentCondition]
    public var analyses = AnalysisPlan()
    /// Planned comparisons between conditions (nil in protocols stored before contrasts existed).
    public var contrasts: [ConditionContrast]?
    /// A criterion per task id, over the training's (tasks differ in what "learned" means).
    public var criteria: [String: Criterion]?
    /// Per-rule optimiser settings selected on separate seeds (nil: each rule runs with the
    /// protocol's stated settings, else its rule file's).
    public var sweep: SweepPlan?

    public init(name: String, rules: [String], tasks: [String], seeds: [UInt64], conditions: [ExperimentCondition]) {
        self.name = name
        self.rules = rules
        self.tasks = tasks
        self.seeds = seeds
        self.conditions = conditions
    }

    /// Every cell, in a fixed order (task, condition, seed, rule). Results never depend on it:
    /// the store orders them by cell key. With a `[sweep]`, these are the evaluation cells at the
    /// rules' own settings; the runner uses `cells(choices:)` with the selected ones.
    public var cells: [ExperimentCell] { cells(choices: [:]) }

    /// The evaluation cells, each rule with the setting chosen for its (task, condition)
    /// (`SweepChoice.key`), where one is given.
    public func cells(choices: [String: SweepPlan.Setting]) -> [ExperimentCell] {
        var cells: [ExperimentCell] = []
        var resolved: [String: RuleConfiguration?] = [:]
        for task in tasks {
            for condition in conditions where condition.tasks?.contains(task) ?? true {
                for seed in seeds {
                    for rule in rules where condition.rules?.contains(rule) ?? true {
                        var spec = RunSpec(task: task)
                        spec.taskParameters = condition.parameters(for: task)
                        spec.rule = rule
                        spec.ruleSettings = ruleSettings[rule] ?? [:]
                        spec.model = condition.model
                        if condition.activationFromTask == true { spec.model.activation = ModelSpec.activation(stated: nil, taskID: task) }
                        spec.training = condition.training
                        if let criterion = criteria?[task] { spec.training.criterion = criterion }
                        let chosen = choices[SweepChoice.key(task: task, condition: condition.label, rule: rule)]
                        spec.optimizerOverrides = chosen.map { $0.applied(to: condition.optimizer) } ?? condition.optimizer
                        spec.modifiers = condition.modifiers
                        spec.curriculum = condition.curriculum
                        spec.seed = seed
                        if resolved[rule] == nil { resolved[rule] = .some(try? spec.ruleConfiguration()) }
                        cells.append(ExperimentCell(
                            protocolName: name, condition: condition.label, spec: spec, analyses: analyses,
                            resolvedRule: resolved[rule] ?? nil))
                    }
                }
            }
        }
        return cells
    }

    /// The name under which the selection runs of a `[sweep]` are stored.
    public var selectionName: String { name + "/selection" }

    /// The selection cells of the `[sweep]` (empty without one): every grid setting on every
    /// selection seed, labelled "<condition> | <setting>" (the cells of `selectionProtocol`).
    public var selectionCells: [ExperimentCell] { selectionProtocol?.cells ?? [] }

    /// The selection cells with the condition (its own label) and the grid setting of each.
    public var taggedSelectionCells: [(cell: ExperimentCell, condition: String, setting: SweepPlan.Setting)] {
        guard let sweep, let selection = selectionProtocol else { return [] }
        let tags = Dictionary(uniqueKeysWithValues: conditions.flatMap { c in
            sweep.settings.map { (SweepPlan.selectionLabel(condition: c.label, setting: $0), (c.label, $0)) }
        })
        return selection.cells.map { cell in (cell, tags[cell.condition]!.0, tags[cell.condition]!.1) }
    }

    /// The protocol under which the selection cells run and are registered: every condition once
    /// per grid setting (its optimiser overridden by the setting), on the selection seeds, no analyses.
    public var selectionProtocol: ExperimentProtocol? {
        guard let sweep else { return nil }
        var p = ExperimentProtocol(
            name: selectionName, rules: rules, tasks: tasks, seeds: sweep.selectionSeeds,
            conditions: conditions.flatMap { c in
                sweep.settings.map { setting in
                    var v = c
                    v.label = SweepPlan.selectionLabel(condition: c.label, setting: setting)
                    v.optimizer = setting.applied(to: c.optimizer)
                    return v
                }
            })
        p.description = "settings selection of \(name): \(sweep.settings.count) settings on seeds \(sweep.selectionSeeds.map(String.init).joined(separator: ", "))"
        p.ruleSettings = ruleSettings
        p.analyses = AnalysisPlan()
        p.criteria = criteria
        return p
    }

    /// Checks every cell (task, parameters, model, training, rule and settings) before any runs;
    /// the error names the protocol file and the cell.
    /// Every cell's memory estimate above `memoryLimit` is refused too (`RunSpec.validate`).
    public func validate(
        file: String? = nil, tasks taskRegistry: TaskRegistry = .standard, rules ruleRegistry: RuleRegistry = .standard,
        memoryLimit: Int? = MemoryLimit.available()
    ) throws {
        let where_ = file ?? "protocol \(name)"
        try analyses.validate(file: where_)
        // The fixed-point search is written for the leaky RNN's map.
        // The fixed-point search runs on the one-step map of models written as `LocalRecurrentModel`.
        if analyses.geometry != nil, let other = conditions.first(where: { !ModelKind.local.contains($0.model.kind) }) {
            throw InputError.unknown(
                "model kind for the [geometry] analysis", other.model.kind.rawValue, valid: ModelKind.local.map(\.rawValue), file: where_,
                key: other.label.isEmpty ? "model.kind" : "conditions '\(other.label)' model.kind")
        }
        for task in tasks { _ = try taskRegistry.type(task, file: where_, key: "tasks") }
        if let sweep { try sweep.validate(evaluationSeeds: seeds, file: where_) }
        var checked = Set<String>()
        for cell in cells + selectionCells {
            var probe = cell.spec
            probe.seed = 0
            let signature = cell.condition + "|" + ExperimentCell(protocolName: "", condition: "", spec: probe, analyses: AnalysisPlan()).configJSON
            guard checked.insert(signature).inserted else { continue }  // seeds differ only in the seed
            do {
                try cell.spec.validate(tasks: taskRegistry, rules: ruleRegistry, memoryLimit: memoryLimit)
            } catch let error as InputError {
                throw InputError("\(where_): \(cell.label): \(error.message)")
            }
        }
    }

    /// The cells of shard `index` of `count` (0-based; cells index, index + count, ...): for job
    /// arrays, each shard writing its own results file.
    public func cells(shard index: Int, of count: Int) -> [ExperimentCell] {
        precondition(count >= 1 && index >= 0 && index < count)
        return cells.enumerated().filter { $0.offset % count == index }.map(\.element)
    }
}

extension ExperimentProtocol {
    /// The one-line form of `plasticity compare`: rules on one task over seeds 1...n, one condition.
    public static func comparison(
        rules: [String], task: String, seeds: Int, taskParameters: [String: Double] = [:],
        model: ModelSpec = ModelSpec(), training: TrainingConfig = TrainingConfig(), optimizer: OptimizerSettings = OptimizerSettings(),
        analyses: AnalysisPlan = AnalysisPlan()
    ) throws -> ExperimentProtocol {
        guard (1...10_000).contains(seeds) else { throw InputError.outOfRange("seeds", Double(seeds), range: "1...10000", key: "--seeds") }
        return try comparison(
            rules: rules, task: task, seedList: (1...seeds).map(UInt64.init), taskParameters: taskParameters, model: model, training: training,
            optimizer: optimizer, analyses: analyses)
    }

    /// The same with the seeds listed, and per-rule settings (`rule → name → value`, as a protocol's `[rule-settings]`).
    public static func comparison(
        rules: [String], task: String, seedList seeds: [UInt64], taskParameters: [String: Double] = [:],
        model: ModelSpec = ModelSpec(), training: TrainingConfig = TrainingConfig(), optimizer: OptimizerSettings = OptimizerSettings(),
        ruleSettings: [String: [String: Double]] = [:], analyses: AnalysisPlan = AnalysisPlan()
    ) throws -> ExperimentProtocol {
        guard !rules.isEmpty else { throw InputError.invalid("give at least one rule, e.g. bptt,eprop-random", key: "--rules") }
        guard Set(rules).count == rules.count else { throw InputError.invalid("lists a rule twice", key: "--rules") }
        guard !seeds.isEmpty, Set(seeds).count == seeds.count else {
            throw InputError.invalid("expected a count (5) or a list of distinct seeds (1,2,7)", key: "--seeds")
        }
        let condition = ExperimentCondition(
            label: "", model: model, training: training, optimizer: optimizer, taskParameters: taskParameters.isEmpty ? [:] : [task: taskParameters])
        var p = ExperimentProtocol(name: "compare", rules: rules, tasks: [task], seeds: seeds, conditions: [condition])
        p.ruleSettings = ruleSettings
        p.analyses = analyses
        return p
    }

    /// `--seeds`: a count n (seeds 1...n) or a comma-separated list of distinct seeds.
    public static func seeds(parsing text: String, option: String = "--seeds") throws -> [UInt64] {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if parts.count == 1, let n = Int(parts[0]) {
            guard (1...10_000).contains(n) else { throw InputError.outOfRange("seeds", Double(n), range: "1...10000 (a count), or a list like 1,2,7", key: option) }
            return (1...n).map(UInt64.init)
        }
        let seeds = try parts.map { part -> UInt64 in
            guard let seed = UInt64(part) else { throw InputError.invalid("'\(part)' is not a seed; valid: a count (5) or a list of whole numbers >= 0 (1,2,7)", key: option) }
            return seed
        }
        guard !seeds.isEmpty, Set(seeds).count == seeds.count else { throw InputError.invalid("lists a seed twice; valid: distinct seeds, e.g. 1,2,7", key: option) }
        return seeds
    }
}
