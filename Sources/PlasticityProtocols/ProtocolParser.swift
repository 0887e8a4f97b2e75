import Foundation

/// Reads protocol files (TOML; format in docs/protocols.md). Strict: an unknown key, a wrong type,
/// a value out of range, or an unknown rule or task is one InputError line naming the file, the
/// key and the valid choices.
public enum ProtocolParser {
    public static func load(_ path: String) throws -> ExperimentProtocol {
        guard let data = FileManager.default.contents(atPath: path) else { throw InputError.invalid("no such file", file: path) }
        guard let text = String(data: data, encoding: .utf8) else { throw InputError.invalid("not UTF-8 text", file: path) }
        let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return try parse(text, file: path, defaultName: stem)
    }

    public static func parse(_ text: String, file: String, defaultName: String) throws -> ExperimentProtocol {
        var top = try TOMLFields.parse(text, file: file)
        let name = try top.string(ProtocolKeys.Top.name, default: defaultName)
        guard !name.isEmpty else { throw InputError.invalid("must not be empty", file: file, key: "name") }
        let description = try top.string(ProtocolKeys.Top.description, default: "")
        let rules = try top.strings(ProtocolKeys.Top.rules, default: [])
        if rules.isEmpty { throw InputError.invalid("missing or empty; valid: a list of rule names, e.g. [\"bptt\"]", file: file, key: "rules") }
        let tasks = try top.strings(ProtocolKeys.Top.tasks, default: [])
        if tasks.isEmpty {
            throw InputError.invalid("missing or empty; valid: a list of task ids (\(TaskRegistry.standard.ids.joined(separator: ", ")))", file: file, key: "tasks")
        }
        for (key, list) in [("rules", rules), ("tasks", tasks)] where Set(list).count != list.count {
            throw InputError.invalid("lists a name twice", file: file, key: key)
        }
        let seeds = try parseSeeds(&top)
        let baseModelFields = try top.table(ProtocolKeys.Top.model)
        let baseModel = try baseModelFields.map { try parseModel($0, base: ModelSpec()) } ?? ModelSpec()
        let baseStatesActivation = baseModelFields?.table["activation"] != nil
        let (baseTraining, baseOptimizer) = try top.table(ProtocolKeys.Top.training).map { try parseTraining($0, base: TrainingConfig(), optimizer: OptimizerSettings()) }
            ?? (TrainingConfig(), OptimizerSettings())
        let baseModifiers = try top.modifiers(ProtocolKeys.Top.modifiers, default: [])
        let baseParameters = try top.table(ProtocolKeys.Top.taskParameters).map { try parseTaskParameters($0, tasks: tasks) } ?? [:]
        let baseCurriculum = try top.table(ProtocolKeys.Top.curriculum).map { try parseCurriculum($0, base: CurriculumConfig()) }
        var ruleSettings: [String: [String: Double]] = [:]
        if var settings = try top.table(ProtocolKeys.Top.ruleSettings) {
            for rule in settings.table.keys.sorted() {
                guard rules.contains(rule) else {
                    if !settings.tableKeys.contains(rule) {
                        // A setting written straight under [rule-settings]: it belongs to a rule's table.
                        throw InputError.invalid(
                            "'\(rule)' is not a rule; settings go in a table per rule; valid: [rule-settings.\(rules[0])] \(rule) = ... (rules: \(rules.joined(separator: ", ")))",
                            file: file, key: settings.keyPath(rule))
                    }
                    throw InputError.unknown("rule", rule, valid: rules, file: file, key: settings.keyPath(rule))
                }
                ruleSettings[rule] = try settings.settings(rule, choiceSpecs: RuleRegistry.standard.types.flatMap { $0.settingSpecs })
            }
            try settings.finish()
        }
        var conditions: [ExperimentCondition] = []
        for var c in try top.tables(ProtocolKeys.Top.conditions) {
            let label = try c.string(ProtocolKeys.Condition.label, default: "")
            if label.isEmpty { throw InputError.invalid("every condition needs a non-empty label, e.g. \"g=2.5\"", file: file, key: c.keyPath("label")) }
            if conditions.contains(where: { $0.label == label }) { throw InputError.invalid("duplicate label '\(label)'", file: file, key: c.keyPath("label")) }
            let modelFields = try c.table(ProtocolKeys.Condition.model)
            let model = try modelFields.map { try parseModel($0, base: baseModel) } ?? baseModel
            let statesActivation = baseStatesActivation || modelFields?.table["activation"] != nil
            let (training, optimizer) = try c.table(ProtocolKeys.Condition.training).map { try parseTraining($0, base: baseTraining, optimizer: baseOptimizer) }
                ?? (baseTraining, baseOptimizer)
            let modifiers = try c.modifiers(ProtocolKeys.Condition.modifiers, default: baseModifiers)
            let curriculum = try c.table(ProtocolKeys.Condition.curriculum).map { try parseCurriculum($0, base: baseCurriculum ?? CurriculumConfig()) } ?? baseCurriculum
            let onlyRules = try c.strings(ProtocolKeys.Condition.rules, default: [])
            if let stray = onlyRules.first(where: { !rules.contains($0) }) {
                throw InputError.unknown("rule", stray, valid: rules, file: file, key: c.keyPath("rules"))
            }
            let onlyTasks = try c.strings(ProtocolKeys.Condition.tasks, default: [])
            if let stray = onlyTasks.first(where: { !tasks.contains($0) }) {
                throw InputError.unknown("task", stray, valid: tasks, file: file, key: c.keyPath("tasks"))
            }
            var parameters = baseParameters
            if let t = try c.table(ProtocolKeys.Condition.taskParameters) {
                for (task, values) in try parseTaskParameters(t, tasks: tasks) {
                    parameters[task] = (parameters[task] ?? [:]).merging(values) { _, new in new }
                }
            }
            try c.finish()
            var condition = ExperimentCondition(
                label: label, model: model, training: training, optimizer: optimizer, modifiers: modifiers, taskParameters: parameters)
            condition.activationFromTask = statesActivation ? nil : true
            condition.curriculum = curriculum
            condition.rules = onlyRules.isEmpty ? nil : onlyRules
            condition.tasks = onlyTasks.isEmpty ? nil : onlyTasks
            conditions.append(condition)
        }
        if conditions.isEmpty {
            var condition = ExperimentCondition(
                label: "", model: baseModel, training: baseTraining, optimizer: baseOptimizer, modifiers: baseModifiers, taskParameters: baseParameters)
            condition.activationFromTask = baseStatesActivation ? nil : true
            condition.curriculum = baseCurriculum
            conditions = [condition]
        }
        let contrasts = try parseContrasts(&top, conditions: conditions.map(\.label))
        let criteria = try top.table(ProtocolKeys.Top.criteria).map { try parseCriteria($0, tasks: tasks) } ?? [:]
        var analyses = AnalysisPlan()
        if let t = try top.table(ProtocolKeys.Top.ablation) { analyses.ablation = try parseAblation(t) }
        if let t = try top.table(ProtocolKeys.Top.perturbation) { analyses.perturbation = try parsePerturbation(t) }
        if let t = try top.table(ProtocolKeys.Top.geometry) { analyses.geometry = try parseGeometry(t) }
        if let t = try top.table(ProtocolKeys.Top.integration) { analyses.integration = try parseIntegration(t) }
        if let t = try top.table(ProtocolKeys.Top.predictions) { analyses.predictions = try parsePredictions(t) }
        let sweep = try top.table(ProtocolKeys.Top.sweep).map { try parseSweep($0, seeds: seeds) }
        try top.finish()
        // Geometry hooks into a plain run's training; curricula run ablation, perturbation and integration only.
        if analyses.geometry != nil && conditions.contains(where: { $0.curriculum != nil }) {
            throw InputError.invalid("[geometry] is not run on curriculum cells; valid: [ablation], [perturbation], [integration], or no [curriculum]", file: top.file, key: "geometry")
        }
        if analyses.predictions != nil && conditions.contains(where: { $0.curriculum != nil }) {
            throw InputError.invalid("[predictions] is not run on curriculum cells; valid: [ablation], [perturbation], [integration], or no [curriculum]", file: top.file, key: "predictions")
        }

        var result = ExperimentProtocol(name: name, rules: rules, tasks: tasks, seeds: seeds, conditions: conditions)
        result.description = description
        result.ruleSettings = ruleSettings
        result.analyses = analyses
        result.contrasts = contrasts.isEmpty ? nil : contrasts
        result.criteria = criteria.isEmpty ? nil : criteria
        result.sweep = sweep
        try result.validate(file: file, memoryLimit: nil)  // memory is checked where the protocol runs
        return result
    }

    /// `[criteria]`: `<task> = { metric = "loss", threshold = 0.05 }` for tasks of the protocol.
    static func parseCriteria(_ fields: TOMLFields, tasks: [String]) throws -> [String: Criterion] {
        var t = fields
        var criteria: [String: Criterion] = [:]
        for task in t.tableKeys {
            guard tasks.contains(task) else { throw InputError.unknown("task", task, valid: tasks, file: t.file, key: t.keyPath(task)) }
            guard var c = try t.table(task) else { continue }
            let metric: Criterion.Metric = try c.choice(ProtocolKeys.CriterionKeys.metric, default: .accuracy)
            let threshold = try c.double(ProtocolKeys.CriterionKeys.threshold, default: metric == .accuracy ? 0.95 : 0.05)
            try c.finish()
            criteria[task] = Criterion(metric: metric, threshold: threshold)
        }
        try t.finish()
        return criteria
    }

    /// `[[contrasts]]`: label, treatment and baseline, both labels of distinct `[[conditions]]`.
    static func parseContrasts(_ top: inout TOMLFields, conditions: [String]) throws -> [ConditionContrast] {
        var contrasts: [ConditionContrast] = []
        for var c in try top.tables(ProtocolKeys.Top.contrasts) {
            let label = try c.string(ProtocolKeys.Contrast.label, default: "")
            if label.isEmpty { throw InputError.invalid("every contrast needs a non-empty label, e.g. \"TCR at g=2.5\"", file: c.file, key: c.keyPath("label")) }
            if contrasts.contains(where: { $0.label == label }) { throw InputError.invalid("duplicate label '\(label)'", file: c.file, key: c.keyPath("label")) }
            var named: [String] = []
            for key in [ProtocolKeys.Contrast.treatment.name, ProtocolKeys.Contrast.baseline.name] {
                let condition = try c.string(key, default: "")
                guard conditions.contains(condition), !condition.isEmpty else {
                    throw InputError.unknown("condition", condition, valid: conditions.filter { !$0.isEmpty }.isEmpty ? ["(declare [[conditions]] first)"] : conditions, file: c.file, key: c.keyPath(key))
                }
                named.append(condition)
            }
            if named[0] == named[1] { throw InputError.invalid("treatment and baseline are the same condition '\(named[0])'", file: c.file, key: c.keyPath("baseline")) }
            try c.finish()
            contrasts.append(ConditionContrast(label: label, treatment: named[0], baseline: named[1]))
        }
        return contrasts
    }

    /// `seeds = 5` means seeds 1...5; `seeds = [3, 7]` lists them.
    static func parseSeeds(_ top: inout TOMLFields) throws -> [UInt64] {
        guard top.has(ProtocolKeys.Top.seeds) else { return [1] }
        if top.table[ProtocolKeys.Top.seeds.name]?.type == .int {
            let n = try top.int(ProtocolKeys.Top.seeds.name, default: 1, range: 1...10_000)
            return (1...n).map(UInt64.init)
        }
        let list = try top.doubles(ProtocolKeys.Top.seeds.name, default: [], range: 0...4_294_967_295)
        if list.isEmpty || list.contains(where: { $0 != $0.rounded() }) || Set(list).count != list.count {
            throw InputError.invalid("expected a count (seeds = 5) or a list of distinct whole numbers (seeds = [1, 2])", file: top.file, key: "seeds")
        }
        return list.map { UInt64($0) }
    }

    static func parseModel(_ fields: TOMLFields, base: ModelSpec) throws -> ModelSpec {
        var t = fields
        var m = base
        m.kind = try t.choice(ProtocolKeys.Model.kind, default: m.kind)
        m.hidden = try t.int(ProtocolKeys.Model.hidden, default: m.hidden)
        m.activation = try t.choice(ProtocolKeys.Model.activation, default: m.activation)
        m.initialization = try t.choice(ProtocolKeys.Model.initialization, default: m.initialization)
        m.gain = try t.double(ProtocolKeys.Model.gain, default: m.gain)
        m.tauMin = try t.double(ProtocolKeys.Model.tauMin, default: m.tauMin)
        m.tauMax = try t.double(ProtocolKeys.Model.tauMax, default: m.tauMax)
        m.trainTau = try t.bool(ProtocolKeys.Model.trainTau, default: m.trainTau)
        m.selfConnections = try t.bool(ProtocolKeys.Model.selfConnections, default: m.selfConnections)
        if t.has(ProtocolKeys.Model.initialStateScale) {
            m.initialStateScale = try t.double(ProtocolKeys.Model.initialStateScale, default: 0)
        }
        try t.finish()
        try m.validate(file: t.file)
        try checkModelKeysApply(t, kind: m.kind)
        return m
    }

    /// The `[model]` keys each model kind reads: `ModelKind.settingsUsed` in the protocol's spelling
    /// (`train-tau` for the CLI's `--fixed-tau`), and `self-connections`, the leaky RNN's.
    static func modelKeysUsed(_ kind: ModelKind) -> [String] {
        kind.settingsUsed.map { $0 == "fixed-tau" ? "train-tau" : $0 } + (kind == .leaky ? ["self-connections"] : [])
    }

    /// A key stated in one model table that the model it describes does not read is an error, as the
    /// CLI's `--model plrnn --activation tanh` is. (A key of the protocol's `[model]` inherited by a
    /// condition that changes the kind is a default for the conditions that use it, not an error.)
    static func checkModelKeysApply(_ t: TOMLFields, kind: ModelKind) throws {
        let used = modelKeysUsed(kind)
        let all = ModelKind.allCases.flatMap(modelKeysUsed).uniqued()
        for key in all where t.table[key] != nil && !used.contains(key) {
            let users = ModelKind.allCases.filter { modelKeysUsed($0).contains(key) }.map(\.rawValue)
            let own = used.isEmpty ? "only hidden" : "only hidden, " + used.joined(separator: ", ")
            throw InputError.invalid(
                "does not apply to model '\(kind.rawValue)' (it uses \(own)); valid: leave it out, or a model it applies to (\(users.joined(separator: ", ")))",
                file: t.file, key: t.keyPath(key))
        }
    }

    /// The optimiser keys a protocol states go into explicit settings, which take precedence over
    /// the rule file's (a stated `learning-rate = 0.001` must win even though it equals the default).
    static func parseTraining(_ fields: TOMLFields, base: TrainingConfig, optimizer: OptimizerSettings) throws -> (TrainingConfig, OptimizerSettings) {
        var t = fields
        var c = base
        var o = optimizer
        c.batchSize = try t.int(ProtocolKeys.Training.batch, default: c.batchSize)
        c.maxTrials = try t.int(ProtocolKeys.Training.maxTrials, default: c.maxTrials)
        if t.has(ProtocolKeys.Training.evalEvery) { c.evalEvery = try t.int(ProtocolKeys.Training.evalEvery, default: c.defaultEvalEvery) }
        c.validationSize = try t.int(ProtocolKeys.Training.validationSize, default: c.validationSize)
        c.curveSize = try t.int(ProtocolKeys.Training.curveSize, default: c.curveSize)
        if t.has(ProtocolKeys.Training.divergenceFactor) { c.divergenceFactor = try t.double(ProtocolKeys.Training.divergenceFactor, default: 100) }
        c.criterion.metric = try t.choice(ProtocolKeys.Training.criterionMetric, default: c.criterion.metric)
        c.criterion.threshold = try t.double(ProtocolKeys.Training.criterion, default: c.criterion.threshold)
        c.stopAtCriterion = try t.bool(ProtocolKeys.Training.stopAtCriterion, default: c.stopAtCriterion)
        if t.has(ProtocolKeys.Training.optimizer) { o.kind = try t.choice(ProtocolKeys.Training.optimizer, default: OptimizerKind.adam) }
        if t.has(ProtocolKeys.Training.learningRate) { o.learningRate = try t.double(ProtocolKeys.Training.learningRate, default: 1e-3) }
        if t.has(ProtocolKeys.Training.momentum) { o.momentum = try t.double(ProtocolKeys.Training.momentum, default: 0) }
        if t.has(ProtocolKeys.Training.nesterov) { o.nesterov = try t.bool(ProtocolKeys.Training.nesterov, default: false) }
        if t.has(ProtocolKeys.Training.clip) {
            // 0 states "no clipping" explicitly (over a rule file's clip).
            let clip = try t.double(ProtocolKeys.Training.clip, default: 1)
            o.clipNorm = clip == 0 ? nil : clip
            o.clipDisabled = clip == 0 ? true : nil
        }
        try t.finish()
        var check = c
        check.optimizer = o.applied(to: c.optimizer)
        try check.validate(file: t.file)
        return (c, o)
    }

    /// Numbers apply to every task; a sub-table `[task-parameters.<task>]` to that task only.
    static func parseTaskParameters(_ fields: TOMLFields, tasks: [String]) throws -> [String: [String: Double]] {
        var t = fields
        var result: [String: [String: Double]] = [:]
        for task in t.tableKeys {
            guard tasks.contains(task) else { throw InputError.unknown("task", task, valid: tasks, file: t.file, key: t.keyPath(task)) }
            result[task] = try t.numbers(task)
        }
        var shared: [String: Double] = [:]
        for key in t.table.keys.sorted() where !t.tableKeys.contains(key) {
            shared[key] = try t.double(key, default: 0, range: -1e12...1e12)
            // A number here applies to every task: one that some task lacks belongs in that task's own table.
            let lacking = tasks.filter { task in (try? TaskRegistry.standard.type(task)).map { !$0.parameterSpecs.contains { $0.name == key } } ?? false }
            if !lacking.isEmpty, tasks.count > 1 {
                let owners = tasks.filter { !lacking.contains($0) }
                let example = owners.first.map { "[\(t.keyPath($0))] \(key) = ..." } ?? "[\(t.keyPath("<task>"))]"
                let theirs = lacking.map { task -> String in
                    let names = (try? TaskRegistry.standard.type(task))?.parameterSpecs.map(\.name) ?? []
                    return "\(task): " + (names.isEmpty ? "none" : names.joined(separator: ", "))
                }
                throw InputError.invalid(
                    "a number here applies to every task, and task \(lacking.joined(separator: ", ")) has no parameter '\(key)' (\(theirs.joined(separator: "; "))); valid: a table per task, e.g. \(example)",
                    file: t.file, key: t.keyPath(key))
            }
        }
        if !shared.isEmpty { result["*"] = shared }
        try t.finish()
        return result
    }

    static func parseAblation(_ fields: TOMLFields) throws -> Ablation {
        var t = fields
        var a = Ablation()
        if t.has(ProtocolKeys.AblationKeys.steps) && t.has(ProtocolKeys.AblationKeys.fractions) {
            throw InputError.invalid("give either steps or fractions, not both", file: t.file, key: t.keyPath("steps"))
        }
        if t.has(ProtocolKeys.AblationKeys.steps) {
            let steps = try t.int(ProtocolKeys.AblationKeys.steps, default: 10)
            a.fractions = (0...steps).map { Double($0) / Double(steps) }
        }
        a.fractions = try t.doubles(ProtocolKeys.AblationKeys.fractions, default: a.fractions)
        let orders = try t.strings(ProtocolKeys.AblationKeys.orders, default: a.orders.map(\.rawValue))
        a.orders = try orders.map { name in
            guard let o = AblationOrder(rawValue: name) else {
                throw InputError.unknown("order", name, valid: AblationOrder.allCases.map(\.rawValue), file: t.file, key: t.keyPath("orders"))
            }
            return o
        }
        try parseRepetitions(&t, keys: (ProtocolKeys.AblationKeys.draws, ProtocolKeys.AblationKeys.trials), draws: &a.draws, trials: &a.trials)
        try t.finish()
        return a
    }

    /// `draws` and `trials`: the same keys and ranges for both robustness analyses (ablation, perturbation).
    static func parseRepetitions(_ t: inout TOMLFields, keys: (draws: KeySpec, trials: KeySpec), draws: inout Int, trials: inout Int) throws {
        draws = try t.int(keys.draws, default: draws)
        trials = try t.int(keys.trials, default: trials)
    }

    static func parsePerturbation(_ fields: TOMLFields) throws -> Perturbation {
        var t = fields
        var p = Perturbation()
        p.weights = try t.doubles(ProtocolKeys.PerturbationKeys.weights, default: p.weights)
        p.state = try t.doubles(ProtocolKeys.PerturbationKeys.state, default: p.state)
        p.tau = try t.doubles(ProtocolKeys.PerturbationKeys.tau, default: p.tau)
        try parseRepetitions(&t, keys: (ProtocolKeys.PerturbationKeys.draws, ProtocolKeys.PerturbationKeys.trials), draws: &p.draws, trials: &p.trials)
        try t.finish()
        return p
    }

    /// `[integration]`: `dt` (Euler steps, 1/dt an integer; 0 = the adaptive solver), `method`
    /// (the adaptive stepper), `trials`, `absolute-tolerance`, `relative-tolerance`.
    /// `[predictions]`: the probe batch of the synaptic-change signature and the stream of the timescale and dimension measures.
    static func parsePredictions(_ fields: TOMLFields) throws -> PredictionMeasures {
        var t = fields
        var p = PredictionMeasures()
        p.probeTrials = try t.int(ProtocolKeys.Predictions.probeTrials, default: p.probeTrials)
        p.streamSteps = try t.int(ProtocolKeys.Predictions.streamSteps, default: p.streamSteps)
        p.streamTrials = try t.int(ProtocolKeys.Predictions.streamTrials, default: p.streamTrials)
        try t.finish()
        return p
    }

    static func parseIntegration(_ fields: TOMLFields) throws -> IntegrationRobustness {
        var t = fields
        var p = IntegrationRobustness()
        p.dt = try t.doubles(ProtocolKeys.Integration.dt, default: p.dt)
        p.method = try t.choice(ProtocolKeys.Integration.method, default: p.method)
        p.trials = try t.int(ProtocolKeys.Integration.trials, default: p.trials)
        p.absoluteTolerance = try t.double(ProtocolKeys.Integration.absoluteTolerance, default: p.absoluteTolerance)
        p.relativeTolerance = try t.double(ProtocolKeys.Integration.relativeTolerance, default: p.relativeTolerance)
        try t.finish()
        return p
    }

    /// `[sweep]`: `learning-rate` and/or `clip` lists (0 = no clip) and `selection-seeds` (a count
    /// n means the n seeds after the largest evaluation seed, or a list).
    static func parseSweep(_ fields: TOMLFields, seeds: [UInt64]) throws -> SweepPlan {
        var t = fields
        var plan = SweepPlan()
        plan.learningRates = try t.doubles(ProtocolKeys.Sweep.learningRate, default: [])
        plan.clips = try t.doubles(ProtocolKeys.Sweep.clip, default: [])
        for (key, list) in [("learning-rate", plan.learningRates), ("clip", plan.clips)] where Set(list).count != list.count {
            throw InputError.invalid("lists a value twice", file: t.file, key: t.keyPath(key))
        }
        if t.table[ProtocolKeys.Sweep.selectionSeeds.name]?.type == .int {
            let n = try t.int(ProtocolKeys.Sweep.selectionSeeds.name, default: 3, range: 1...1_000)
            let first = (seeds.max() ?? 0) + 1
            plan.selectionSeeds = (0..<UInt64(n)).map { first + $0 }
        } else if t.has(ProtocolKeys.Sweep.selectionSeeds) {
            let list = try t.doubles(ProtocolKeys.Sweep.selectionSeeds.name, default: [], range: 0...4_294_967_295)
            if list.isEmpty || list.contains(where: { $0 != $0.rounded() }) || Set(list).count != list.count {
                throw InputError.invalid("expected a count (selection-seeds = 3) or a list of distinct whole numbers", file: t.file, key: t.keyPath("selection-seeds"))
            }
            plan.selectionSeeds = list.map { UInt64($0) }
        } else {
            let first = (seeds.max() ?? 0) + 1
            plan.selectionSeeds = [first, first + 1, first + 2]
        }
        try t.finish()
        try plan.validate(evaluationSeeds: seeds, file: t.file)
        return plan
    }

    /// `[geometry]`: snapshot cadence, fixed-point starts, probe size and the GR detector's thresholds.
    static func parseGeometry(_ fields: TOMLFields) throws -> GeometryAnalysis {
        var t = fields
        var g = GeometryAnalysis()
        g.every = try t.int(ProtocolKeys.Geometry.every, default: g.every)
        g.starts = try t.int(ProtocolKeys.Geometry.starts, default: g.starts)
        g.probeTrials = try t.int(ProtocolKeys.Geometry.probeTrials, default: g.probeTrials)
        g.paths = try t.int(ProtocolKeys.Geometry.paths.name, default: min(g.paths, g.probeTrials), range: 0...g.probeTrials)
        g.detector.participationRatioJump = try t.double(ProtocolKeys.Geometry.prJump, default: g.detector.participationRatioJump)
        g.detector.attractorChanges = try t.bool(ProtocolKeys.Geometry.attractorChanges, default: g.detector.attractorChanges)
        g.detector.stabilityChanges = try t.bool(ProtocolKeys.Geometry.stabilityChanges, default: g.detector.stabilityChanges)
        g.detector.cycleChanges = try t.bool(ProtocolKeys.Geometry.cycleChanges, default: g.detector.cycleChanges)
        g.detector.persistence = try t.int(ProtocolKeys.Geometry.persistence, default: g.detector.persistence)
        g.detector.leadWindow = try t.int(ProtocolKeys.Geometry.leadWindow, default: g.detector.leadWindow)
        let headline = try t.strings(ProtocolKeys.Geometry.headline, default: g.detector.headline.map(\.rawValue))
        g.detector.headline = try headline.map { name in
            guard let kind = GRChange(rawValue: name) else {
                throw InputError.unknown("headline", name, valid: GRChange.allCases.map(\.rawValue), file: t.file, key: "geometry.headline")
            }
            return kind
        }
        if g.detector.headline.isEmpty {
            throw InputError.invalid("geometry.headline: empty; valid: one or more of \(GRChange.allCases.map(\.rawValue).joined(separator: ", "))", file: t.file)
        }
        if try t.bool(ProtocolKeys.Geometry.cycles, default: true) {
            var c = CycleOptions()
            c.transient = try t.int(ProtocolKeys.Geometry.cycleTransient, default: c.transient)
            c.window = try t.int(ProtocolKeys.Geometry.cycleWindow, default: c.window)
            c.tolerance = try t.double(ProtocolKeys.Geometry.cycleTolerance, default: c.tolerance)
            g.cycles = c
        } else {
            g.cycles = nil
            for key in [ProtocolKeys.Geometry.cycleTransient, ProtocolKeys.Geometry.cycleWindow, ProtocolKeys.Geometry.cycleTolerance].map(\.name) where t.has(key) {
                throw InputError.invalid("geometry.\(key): set while cycles = false; valid: remove it, or cycles = true", file: t.file)
            }
        }
        try t.finish()
        return g
    }
}
