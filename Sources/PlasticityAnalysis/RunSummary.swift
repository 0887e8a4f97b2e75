import Foundation

/// The result of `train`, as the text and JSON the CLI prints (kept here so it is tested in the library).
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
    /// Modifier kinds of the run beyond the rule file's (nil when none).
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
    }

    /// Human-readable lines; `includeTime: false` gives output that is identical run to run.
    public func text(includeTime: Bool = true) -> String {
        var lines = ["task \(task), rule \(rule), model \(model) N=\(hidden), seed \(seed)"]
        switch status {
        case .reached: lines.append("trials to criterion (\(criterion)): \(trialsToCriterion!)")
        case .budget: lines.append("trials to criterion (\(criterion)): not reached within \(trialsTrained) trials (censored)")
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
        lines.append("trained \(trialsTrained) trials" + (includeTime ? String(format: " in %.2f s", wallSeconds) : ""))
        return lines.joined(separator: "\n")
    }

    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
