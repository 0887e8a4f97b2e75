import Foundation

/// The result of `train`, as the text and JSON the CLI prints (kept here so it is tested in the library).
/// JSON: snake_case keys, every key present (null where a value does not exist: a censored run's
/// trials to criterion, a non-finite loss), the learning curve and the resolved settings
/// (docs/outputs.md has a typed example).
public struct RunSummary: Codable, Equatable, Sendable {
    public var task: String
    public var rule: String
    public var model: String
    public var hidden: Int
    public var seed: UInt64
    public var criterion: String
    public var status: RunStatus
    public var trialsToCriterion: Int?
    public var trialsTrained: Int
    public var divergedAtTrial: Int?
    public var finalAccuracy: Double
    public var finalLoss: Double
    public var wallSeconds: Double
    /// Modifier kinds of the run beyond the rule file's (nil when none; `[]` in JSON).
    public var modifiers: [String]?
    /// lambda_TCR at the last evaluation and the number of evaluations that found the network collapsed.
    public var finalTCRLambda: Double?
    public var tcrCollapses: Int?
    /// Where the rule configuration came from ("shipped", a file's path, "built-in defaults") and the
    /// optimiser the run used, e.g. "adam, lr 0.003, clip 2" (nil when built from `result` alone).
    public var ruleSource: String?
    public var optimizer: String?
    /// How V and c learned (`ReadoutRule.effective`: "delta" for rules exact at the readout).
    public var readout: String?
    /// The trivial baseline of the validation set and the final loss in its units (`LearningMetrics`).
    public var baseline: Double?
    public var finalLossNormalised: Double?
    /// The plateau against the baseline (`PlateauDefinition`): entry, escape, length, censored.
    public var plateauEntry: Int?
    public var escapeTrial: Int?
    public var plateauLength: Int?
    public var plateauCensored: Bool?
    /// Every setting that ran, after precedence (nil when built from `result` alone).
    public var settings: ResolvedConfiguration?
    /// The learning curve: one point per evaluation, the first before training.
    public var curve: [CurvePoint]
    /// The budget as asked for (`--max-trials`); the run trains whole batches, up to `settings.budgetWholeBatches`.
    public var budget: Int
    public var batchSize: Int

    enum CodingKeys: String, CodingKey {
        case task, rule, model, hidden, seed, criterion, status, modifiers, optimizer, readout, baseline, settings, curve, budget
        case trialsToCriterion = "trials_to_criterion", trialsTrained = "trials_trained", divergedAtTrial = "diverged_at_trial"
        case finalAccuracy = "final_accuracy", finalLoss = "final_loss", wallSeconds = "wall_seconds"
        case finalTCRLambda = "final_tcr_lambda", tcrCollapses = "tcr_collapses", ruleSource = "rule_source"
        case finalLossNormalised = "final_loss_normalised", plateauEntry = "plateau_entry", escapeTrial = "escape_trial"
        case plateauLength = "plateau_length", plateauCensored = "plateau_censored", batchSize = "batch_size"
        case censored
    }

    /// True when the criterion was not reached (budget used up, or diverged).
    public var censored: Bool { trialsToCriterion == nil }

    /// Every key, nil and non-finite values as explicit nulls, so a script sees the same keys for every run.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        func number(_ x: Double?, _ key: CodingKeys) throws { try c.encode(x.flatMap { $0.isFinite ? $0 : nil }, forKey: key) }
        try c.encode(task, forKey: .task)
        try c.encode(rule, forKey: .rule)
        try c.encode(model, forKey: .model)
        try c.encode(hidden, forKey: .hidden)
        try c.encode(seed, forKey: .seed)
        try c.encode(criterion, forKey: .criterion)
        try c.encode(status, forKey: .status)
        try c.encode(censored, forKey: .censored)
        try c.encode(trialsToCriterion, forKey: .trialsToCriterion)
        try c.encode(trialsTrained, forKey: .trialsTrained)
        try c.encode(budget, forKey: .budget)
        try c.encode(batchSize, forKey: .batchSize)
        try c.encode(divergedAtTrial, forKey: .divergedAtTrial)
        try number(finalAccuracy, .finalAccuracy)
        try number(finalLoss, .finalLoss)
        try number(wallSeconds, .wallSeconds)
        try c.encode(modifiers ?? [], forKey: .modifiers)
        try number(finalTCRLambda, .finalTCRLambda)
        try c.encode(tcrCollapses, forKey: .tcrCollapses)
        try c.encode(ruleSource, forKey: .ruleSource)
        try c.encode(optimizer, forKey: .optimizer)
        try c.encode(readout, forKey: .readout)
        try number(baseline, .baseline)
        try number(finalLossNormalised, .finalLossNormalised)
        try c.encode(plateauEntry, forKey: .plateauEntry)
        try c.encode(escapeTrial, forKey: .escapeTrial)
        try c.encode(plateauLength, forKey: .plateauLength)
        try c.encode(plateauCensored, forKey: .plateauCensored)
        try c.encode(settings, forKey: .settings)
        try c.encode(curve.map(JSONCurvePoint.init), forKey: .curve)
    }

    /// A curve point in JSON: snake_case keys, non-finite losses as null.
    struct JSONCurvePoint: Encodable {
        var point: CurvePoint
        init(_ point: CurvePoint) { self.point = point }
        enum CodingKeys: String, CodingKey {
            case trials, trainLoss = "train_loss", validationLoss = "validation_loss", validationAccuracy = "validation_accuracy"
        }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(point.trials, forKey: .trials)
            for (x, key) in [(point.trainLoss, CodingKeys.trainLoss), (point.validationLoss, .validationLoss), (point.validationAccuracy, .validationAccuracy)] {
                try c.encode(x.isFinite ? x : nil, forKey: key)
            }
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        task = try c.decode(String.self, forKey: .task)
        rule = try c.decode(String.self, forKey: .rule)
        model = try c.decode(String.self, forKey: .model)
        hidden = try c.decode(Int.self, forKey: .hidden)
        seed = try c.decode(UInt64.self, forKey: .seed)
        criterion = try c.decode(String.self, forKey: .criterion)
        status = try c.decode(RunStatus.self, forKey: .status)
        trialsToCriterion = try c.decodeIfPresent(Int.self, forKey: .trialsToCriterion)
        trialsTrained = try c.decode(Int.self, forKey: .trialsTrained)
        budget = try c.decode(Int.self, forKey: .budget)
        batchSize = try c.decode(Int.self, forKey: .batchSize)
        divergedAtTrial = try c.decodeIfPresent(Int.self, forKey: .divergedAtTrial)
        finalAccuracy = try c.decodeIfPresent(Double.self, forKey: .finalAccuracy) ?? .nan
        finalLoss = try c.decodeIfPresent(Double.self, forKey: .finalLoss) ?? .nan
        wallSeconds = try c.decodeIfPresent(Double.self, forKey: .wallSeconds) ?? .nan
        modifiers = try c.decodeIfPresent([String].self, forKey: .modifiers)
        finalTCRLambda = try c.decodeIfPresent(Double.self, forKey: .finalTCRLambda)
        tcrCollapses = try c.decodeIfPresent(Int.self, forKey: .tcrCollapses)
        ruleSource = try c.decodeIfPresent(String.self, forKey: .ruleSource)
        optimizer = try c.decodeIfPresent(String.self, forKey: .optimizer)
        readout = try c.decodeIfPresent(String.self, forKey: .readout)
        baseline = try c.decodeIfPresent(Double.self, forKey: .baseline)
        finalLossNormalised = try c.decodeIfPresent(Double.self, forKey: .finalLossNormalised)
        plateauEntry = try c.decodeIfPresent(Int.self, forKey: .plateauEntry)
        escapeTrial = try c.decodeIfPresent(Int.self, forKey: .escapeTrial)
        plateauLength = try c.decodeIfPresent(Int.self, forKey: .plateauLength)
        plateauCensored = try c.decodeIfPresent(Bool.self, forKey: .plateauCensored)
        settings = try c.decodeIfPresent(ResolvedConfiguration.self, forKey: .settings)
        curve = []
    }

    public init(spec: RunSpec, result: TrainingResult) {
        task = spec.task
        rule = spec.rule
        model = spec.model.kind.rawValue
        hidden = spec.model.hidden
        seed = spec.seed
        let c = spec.training.criterion
        criterion = "validation \(c.metric.rawValue) \(c.metric == .accuracy ? ">=" : "<=") \(formatNumber(c.threshold))"
        status = result.status
        trialsToCriterion = result.trialsToCriterion
        trialsTrained = result.trialsTrained
        divergedAtTrial = result.divergedAtTrial
        finalAccuracy = result.final.accuracy
        finalLoss = result.final.loss
        wallSeconds = result.wallSeconds
        curve = result.curve
        budget = spec.training.maxTrials
        batchSize = spec.training.batchSize
        modifiers = spec.modifiers.isEmpty ? nil : spec.modifiers.map(\.kind)
        finalTCRLambda = result.tcrTrace?.last?.lambda
        tcrCollapses = result.tcrTrace.map { $0.filter(\.collapsed).count }
        let metrics = LearningMetrics(result: result, budget: spec.training.maxTrials)
        baseline = result.baseline
        finalLossNormalised = metrics.finalLossNormalised
        plateauEntry = metrics.plateauEntry
        escapeTrial = metrics.escapeTrial
        plateauLength = metrics.plateauLength
        plateauCensored = metrics.plateauCensored
    }

    /// The summary of a finished run, with where its rule came from and the optimiser it used.
    public init(spec: RunSpec, outcome: RunOutcome) {
        self.init(spec: spec, result: outcome.result)
        ruleSource = RuleLibrary.source(of: outcome.rule)
        let o = outcome.optimizer
        optimizer = OptimizerSettings(
            kind: o.kind, learningRate: o.learningRate, momentum: o.kind == .sgd && o.momentum != 0 ? o.momentum : nil,
            nesterov: o.nesterov ? true : nil, clipNorm: o.clipNorm).text
        readout = ReadoutRule.effective(outcome.rule, overrides: spec.ruleSettings)?.rawValue
        settings = spec.resolvedConfiguration(rule: outcome.rule)
    }

    /// Human-readable lines; `includeTime: false` gives output that is identical run to run.
    public func text(includeTime: Bool = true) -> String {
        var lines = ["task \(task), rule \(rule), model \(model) N=\(hidden), seed \(seed)"]
        switch status {
        case .reached: lines.append("trials to criterion (\(criterion)): \(trialsToCriterion!)")
        case .budget:
            let rounded = trialsTrained > budget ? "; the budget of \(budget) rounded up to whole batches of \(batchSize)" : ""
            lines.append("trials to criterion (\(criterion)): not reached within \(trialsTrained) trials (censored\(rounded))")
        case .diverged: lines.append("diverged (NaN/Inf, or loss beyond the divergence bound) at trial \(divergedAtTrial!)")
        }
        var final = String(format: "final validation accuracy %.4f, loss %.6f", finalAccuracy, finalLoss)
        if let baseline, let finalLossNormalised, finalLossNormalised.isFinite {
            final += String(format: " (%.3f × the trivial baseline %.4g)", finalLossNormalised, baseline)
        }
        lines.append(final)
        if let plateauLength {
            if let entry = plateauEntry {
                lines.append(
                    "plateau: entered the baseline band at trial \(entry), "
                        + (escapeTrial.map { "escaped at trial \($0) (\(plateauLength) trials)" } ?? "no escape (\(plateauLength)+ trials, censored)"))
            } else {
                lines.append("plateau: none (the loss never came within 10% of the trivial baseline)")
            }
        }
        if let lambda = finalTCRLambda {
            lines.append("TCR: final lambda \(formatNumber(lambda)), collapsed at \(tcrCollapses ?? 0) evaluations")
        }
        if let ruleSource, let optimizer {
            lines.append("rule from \(ruleSource); optimizer \(optimizer)" + (readout.map { "; readout \($0 == "delta" ? "by the delta rule" : "by the rule's own estimate")" } ?? ""))
        }
        if let settings { lines += settings.textLines }
        lines.append("trained \(trialsTrained) trials" + (includeTime ? String(format: " in %.2f s", wallSeconds) : ""))
        return lines.joined(separator: "\n")
    }

    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
