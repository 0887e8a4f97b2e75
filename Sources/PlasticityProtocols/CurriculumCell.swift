import Foundation

extension CurriculumResult {
    /// The run-level view every run has (status, trials, a curve): a complete curriculum counts as
    /// reached at its last trial; the curve is the checks' mean head accuracy and training loss
    /// (summed over heads; a curriculum has no fixed validation set, its checks use fresh trials).
    var trainingResult: TrainingResult {
        let status: RunStatus = self.status == .diverged ? .diverged : (self.status == .complete ? .reached : .budget)
        let curve = checks.map {
            CurvePoint(
                trials: $0.trials, trainLoss: $0.trainLoss, validationLoss: $0.trainLoss,
                validationAccuracy: $0.headAccuracies.reduce(0, +) / Double(max($0.headAccuracies.count, 1)))
        }
        let last = curve.last
        return TrainingResult(
            status: status, trialsToCriterion: status == .reached ? trialsTrained : nil, trialsTrained: trialsTrained,
            divergedAtTrial: divergedAtTrial,
            final: Evaluation(loss: last?.trainLoss ?? .nan, accuracy: last?.validationAccuracy ?? .nan),
            curve: curve, wallSeconds: wallSeconds)
    }
}

extension ExperimentCell {
    /// A cell whose spec names a curriculum: trains through it and stores what it recorded beside
    /// the run-level record (robustness analyses of curriculum-trained networks are not run yet).
    func runCurriculum(_ curriculum: CurriculumConfig, rules: RuleRegistry, progress: ((Int, Int) -> Void)?) throws -> CellResult {
        let outcome = try CurriculumRun(spec: spec, curriculum: curriculum).execute(rules: rules, progress: progress)
        let result = outcome.result.trainingResult
        let record = RunRecord(
            protocolName: protocolName, rule: spec.rule, task: spec.task, seed: spec.seed, condition: condition,
            status: result.status, result: result, metrics: LearningMetrics(result: result, budget: spec.training.maxTrials),
            robustness: [])
        var cell = CellResult(
            cell: self, record: record, parameters: result.status == .diverged ? [] : outcome.model.parameters,
            trainSeconds: outcome.result.wallSeconds, analysisSeconds: 0)
        cell.curriculum = outcome.result
        return cell
    }
}
