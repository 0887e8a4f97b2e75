import Foundation

/// A setting's value in a resolved configuration: a number, or a name (a choice, e.g. feedback
/// "random"). JSON: a number or a string.
public enum SettingValue: Codable, Equatable, Sendable, CustomStringConvertible {
    case number(Double)
    case text(String)

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let x = try? c.decode(Double.self) { self = .number(x) } else { self = .text(try c.decode(String.self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .number(let x): try c.encode(x)
        case .text(let s): try c.encode(s)
        }
    }

    public var description: String {
        switch self {
        case .number(let x): return formatNumber(x)
        case .text(let s): return s
        }
    }
}

/// Every setting a run ran with, after precedence (task defaults under the given parameters, the
/// rule file under `--rule-param`, the optimiser precedence of `RunSpec.effectiveTraining`, the
/// task's recommended activation, the rule file's modifiers with the run's): the provenance record
/// `train`, the results file (`runs.settings_json`), the report and the CSV export show. Keys are
/// snake_case in JSON, like every output of the project (docs/outputs.md).
public struct ResolvedConfiguration: Codable, Equatable, Sendable {
    public var task: String
    /// Every parameter of the task, defaults filled in.
    public var taskParameters: [String: Double]
    public var model: String
    public var hidden: Int
    /// The nonlinearity that ran (the PLRNN is always ReLU; the gated models' is tanh).
    public var activation: String
    /// The model settings below are nil for a model that does not use them (`ModelKind.settingsUsed`:
    /// the gated models take the hidden size only, the PLRNN has no tau).
    public var initialization: String?
    public var gain: Double?
    public var tauMin: Double?
    public var tauMax: Double?
    public var trainTau: Bool?
    /// h_0 = scale·U(0, 1) per trial (`--initial-state-scale`); nil: h_0 = 0.
    public var initialStateScale: Double? = nil
    /// The rule as named, and the implementation it resolved to.
    public var rule: String
    public var implementation: String
    /// Every hyperparameter of the implementation (defaults, then the rule file, then the run's), choices by name.
    public var ruleSettings: [String: SettingValue]
    /// How V and c learned (`ReadoutRule.effective`); nil when the rule has no readout setting.
    public var readout: String?
    /// The modifiers that ran (the rule file's, then the run's), e.g. "tcr(lambda=0.3, schedule=constant, ...)".
    public var modifiers: [String]
    public var optimizer: String
    public var learningRate: Double
    /// SGD's momentum (0 for adam, which has none).
    public var momentum: Double
    public var nesterov: Bool
    /// Clipping of the update's L2 norm; nil: no clipping.
    public var clip: Double?
    public var batchSize: Int
    /// The budget as asked for, and as trained: the trainer updates in whole batches, so it trains
    /// up to `ceil(budget / batch) × batch` trials.
    public var budget: Int
    public var budgetWholeBatches: Int
    /// "accuracy >= 0.95" or "loss <= 0.1", on the validation set.
    public var criterion: String
    /// The evaluation interval in use (whole batches).
    public var evalEvery: Int
    public var validationSize: Int
    public var stopAtCriterion: Bool
    public var seed: UInt64
    /// The curriculum's kind when the run trains through one; nil for a plain run.
    public var curriculum: String?

    enum CodingKeys: String, CodingKey {
        case task, model, hidden, activation, initialization, gain, rule, implementation, readout, modifiers, optimizer, momentum,
            nesterov, clip, budget, criterion, seed, curriculum
        case taskParameters = "task_parameters", tauMin = "tau_min", tauMax = "tau_max", trainTau = "train_tau"
        case initialStateScale = "initial_state_scale"
        case ruleSettings = "rule_settings", learningRate = "learning_rate", batchSize = "batch_size"
        case budgetWholeBatches = "budget_whole_batches", evalEvery = "eval_every", validationSize = "validation_size"
        case stopAtCriterion = "stop_at_criterion"
    }

    /// Every key, nil values as explicit nulls (scripts see the same keys for every run).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(task, forKey: .task)
        try c.encode(taskParameters, forKey: .taskParameters)
        try c.encode(model, forKey: .model)
        try c.encode(hidden, forKey: .hidden)
        try c.encode(activation, forKey: .activation)
        try c.encode(initialization, forKey: .initialization)
        try c.encode(gain, forKey: .gain)
        try c.encode(tauMin, forKey: .tauMin)
        try c.encode(tauMax, forKey: .tauMax)
        try c.encode(trainTau, forKey: .trainTau)
        try c.encode(initialStateScale, forKey: .initialStateScale)
        try c.encode(rule, forKey: .rule)
        try c.encode(implementation, forKey: .implementation)
        try c.encode(ruleSettings, forKey: .ruleSettings)
        try c.encode(readout, forKey: .readout)
        try c.encode(modifiers, forKey: .modifiers)
        try c.encode(optimizer, forKey: .optimizer)
        try c.encode(learningRate, forKey: .learningRate)
        try c.encode(momentum, forKey: .momentum)
        try c.encode(nesterov, forKey: .nesterov)
        try c.encode(clip, forKey: .clip)
        try c.encode(batchSize, forKey: .batchSize)
        try c.encode(budget, forKey: .budget)
        try c.encode(budgetWholeBatches, forKey: .budgetWholeBatches)
        try c.encode(criterion, forKey: .criterion)
        try c.encode(evalEvery, forKey: .evalEvery)
        try c.encode(validationSize, forKey: .validationSize)
        try c.encode(stopAtCriterion, forKey: .stopAtCriterion)
        try c.encode(seed, forKey: .seed)
        try c.encode(curriculum, forKey: .curriculum)
    }

    /// The record as `(name, value)` pairs, task parameters as `task.NAME` and rule settings as
    /// `rule.NAME`: the settings table of the report and the flattened columns of runs.csv
    /// (`task.N` becomes the column `task_N`, `rule.feedback` the column `rule_feedback`). Empty
    /// text for nil.
    public var flattened: [(name: String, value: String)] {
        var pairs: [(String, String)] = [
            ("model", model), ("hidden", "\(hidden)"), ("activation", activation), ("initialization", initialization ?? ""),
            ("gain", gain.map(formatNumber) ?? ""), ("tau_min", tauMin.map(formatNumber) ?? ""), ("tau_max", tauMax.map(formatNumber) ?? ""),
            ("train_tau", trainTau.map { "\($0)" } ?? ""), ("initial_state_scale", initialStateScale.map(formatNumber) ?? ""),
        ]
        pairs += taskParameters.keys.sorted().map { ("task.\($0)", formatNumber(taskParameters[$0]!)) }
        pairs += [("implementation", implementation)]
        pairs += ruleSettings.keys.sorted().map { ("rule.\($0)", ruleSettings[$0]!.description) }
        pairs += [
            ("readout", readout ?? ""), ("modifiers", modifiers.joined(separator: "; ")), ("optimizer", optimizer),
            ("learning_rate", formatNumber(learningRate)), ("momentum", formatNumber(momentum)), ("nesterov", "\(nesterov)"),
            ("clip", clip.map(formatNumber) ?? ""), ("batch_size", "\(batchSize)"), ("budget", "\(budget)"),
            ("budget_whole_batches", "\(budgetWholeBatches)"), ("criterion", criterion), ("eval_every", "\(evalEvery)"),
            ("validation_size", "\(validationSize)"), ("stop_at_criterion", "\(stopAtCriterion)"), ("curriculum", curriculum ?? ""),
        ]
        return pairs
    }

    /// The record as the `settings:` lines `train` prints: everything that ran, one topic a line.
    public var textLines: [String] {
        let taskWithParameters = taskParameters.isEmpty ? task : "\(task) " + taskParameters.keys.sorted().map { "\($0)=\(formatNumber(taskParameters[$0]!))" }.joined(separator: " ")
        let ruleSettings = self.ruleSettings.keys.sorted().map { "\($0)=\(self.ruleSettings[$0]!)" }.joined(separator: " ")
        var optimizer = "\(self.optimizer), lr \(formatNumber(learningRate))"
        if self.optimizer == OptimizerKind.sgd.rawValue { optimizer += ", momentum \(formatNumber(momentum))" + (nesterov ? ", nesterov" : "") }
        optimizer += clip.map { ", clip \(formatNumber($0))" } ?? ", no clip"
        let budget = budgetWholeBatches == self.budget
            ? "budget \(self.budget) trials" : "budget \(self.budget) trials (rounded up to \(budgetWholeBatches), whole batches)"
        // A curriculum sets the task's N itself and checks its pass rule on fresh trials instead of
        // evaluating a validation set against the criterion (the record keeps those fields regardless).
        let progress = curriculum.map { "\($0) curriculum: N and the pass rule set by it" }
            ?? "evaluation every \(evalEvery) on \(validationSize) validation trials, criterion \(criterion)" + (stopAtCriterion ? "" : ", no stop")
        return [
            "settings: task \(curriculum == nil ? taskWithParameters : task)",
            "settings: model \(model) N=\(hidden), activation \(activation)" + (initialization.map { ", initialization \($0)" } ?? "")
                + (gain.map { ", gain \(formatNumber($0))" } ?? "")
                + (tauMin.map { min in ", tau \(formatNumber(min))...\(formatNumber(tauMax ?? min)) \(trainTau == false ? "fixed" : "trained")" } ?? "")
                + (initialStateScale.map { ", h_0 = \(formatNumber($0))·U(0, 1)" } ?? ""),
            "settings: rule \(rule) (\(implementation)) \(ruleSettings.isEmpty ? "(no settings)" : ruleSettings); modifiers \(modifiers.isEmpty ? "none" : modifiers.joined(separator: "; "))",
            "settings: optimizer \(optimizer); batch \(batchSize), \(budget), \(progress)",
        ]
    }

    /// Canonical JSON (sorted keys): what the results file stores.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Every field is a plain finite value or a string; encoding cannot fail.
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    /// One modifier as text: its kind and every setting, e.g. "tcr(lambda=0.3, schedule=constant, ...)".
    static func text(_ modifier: ModifierConfig) -> String {
        /// A stored setting: a number, a flag or a name.
        enum Scalar: Decodable, CustomStringConvertible {
            case number(Double), flag(Bool), text(String), other
            init(from decoder: any Decoder) throws {
                let c = try decoder.singleValueContainer()
                if let x = try? c.decode(Double.self) { self = .number(x) }
                else if let b = try? c.decode(Bool.self) { self = .flag(b) }
                else if let s = try? c.decode(String.self) { self = .text(s) }
                else { self = .other }
            }
            var description: String {
                switch self {
                case .number(let x): return formatNumber(x)
                case .flag(let b): return "\(b)"
                case .text(let s): return s
                case .other: return "?"
                }
            }
        }
        /// `{"kind": "tcr", "tcr": {settings}}`: the settings under the kind's key.
        struct Entry: Decodable {
            struct Key: CodingKey {
                var stringValue: String
                var intValue: Int? { nil }
                init(stringValue: String) { self.stringValue = stringValue }
                init?(intValue: Int) { nil }
            }
            var settings: [String: Scalar] = [:]
            init(from decoder: any Decoder) throws {
                let c = try decoder.container(keyedBy: Key.self)
                for key in c.allKeys where key.stringValue != "kind" { settings = try c.decode([String: Scalar].self, forKey: key) }
            }
        }
        guard let data = try? JSONEncoder().encode(modifier), let settings = (try? JSONDecoder().decode(Entry.self, from: data))?.settings else {
            return modifier.kind
        }
        // Named as files name them (`anneal-until`, not the stored `annealUntil`).
        func fileKey(_ key: String) -> String { key.reduce("") { $0 + ($1.isUppercase ? "-" + $1.lowercased() : String($1)) } }
        return "\(modifier.kind)(" + settings.keys.sorted().map { "\(fileKey($0))=\(settings[$0]!)" }.joined(separator: ", ") + ")"
    }
}

extension RunSpec {
    /// The settings this spec runs with when `rule` names `configuration` (defaults filled from the
    /// registries; a task or implementation the registries do not know keeps only what the spec states).
    public func resolvedConfiguration(
        rule configuration: RuleConfiguration, tasks: TaskRegistry = .standard, rules: RuleRegistry = .standard
    ) -> ResolvedConfiguration {
        let training = effectiveTraining(for: configuration)
        let o = training.optimizer
        let taskValues = (try? tasks.type(task)).flatMap { try? resolve(specs: $0.parameterSpecs, overrides: taskParameters, owner: "task \(task)") } ?? taskParameters
        var ruleValues: [String: SettingValue] = [:]
        let stated = configuration.hyperparameters.merging(ruleSettings) { _, new in new }
        if let type = try? rules.type(configuration.implementation) {
            for spec in type.settingSpecs {
                let value = stated[spec.name] ?? spec.defaultValue
                ruleValues[spec.name] = spec.isChoice ? .text(spec.text(value)) : .number(value)
            }
        } else {
            for (name, value) in stated { ruleValues[name] = .number(value) }
        }
        let readout = ReadoutRule.effective(configuration, overrides: ruleSettings)?.rawValue
        // The readout that ran (a rule exact at the readout learns it by the delta rule whatever the setting says).
        if let readout, ruleValues["readout"] != nil { ruleValues["readout"] = .text(readout) }
        let modifierList = (try? ModifierConfig.merged([configuration.modifiers, modifiers])) ?? (configuration.modifiers + modifiers)
        let c = training.criterion
        func uses(_ setting: String) -> Bool { model.kind.settingsUsed.contains(setting) }
        return ResolvedConfiguration(
            task: task, taskParameters: taskValues, model: model.kind.rawValue, hidden: model.hidden,
            activation: GradientExport.activationName(model), initialization: uses("initialization") ? model.initialization.rawValue : nil,
            gain: uses("gain") ? model.gain : nil, tauMin: uses("tau-min") ? model.tauMin : nil, tauMax: uses("tau-max") ? model.tauMax : nil,
            trainTau: uses("fixed-tau") ? model.trainTau : nil, initialStateScale: model.initialStateScale,
            rule: rule, implementation: configuration.implementation, ruleSettings: ruleValues,
            readout: readout,
            modifiers: modifierList.map(ResolvedConfiguration.text),
            optimizer: o.kind.rawValue, learningRate: o.learningRate, momentum: o.kind == .sgd ? o.momentum : 0,
            nesterov: o.kind == .sgd && o.nesterov, clip: o.clipNorm, batchSize: training.batchSize, budget: training.maxTrials,
            budgetWholeBatches: (training.maxTrials + training.batchSize - 1) / max(training.batchSize, 1) * training.batchSize,
            criterion: "\(c.metric.rawValue) \(c.metric == .accuracy ? ">=" : "<=") \(formatNumber(c.threshold))",
            evalEvery: training.evaluationInterval, validationSize: training.validationSize, stopAtCriterion: training.stopAtCriterion,
            seed: seed, curriculum: curriculum?.kind.rawValue)
    }
}
