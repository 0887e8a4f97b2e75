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
    /// the run-level record, measuring the network at every stage (`StreamMeasurement.curriculumObserver`),
    /// then runs the protocol's ablation, perturbation and integration analyses on the network saved at
    /// its last pass (`robustness-network`; or the final one)
    /// (`robustnessTask`; geometry, which hooks into a plain run's training, is not run for curricula).
    func runCurriculum(_ curriculum: CurriculumConfig, rules: RuleRegistry, progress: ((Int, Int) -> Void)?) throws -> CellResult {
        let run = CurriculumRun(spec: spec, curriculum: curriculum)
        let outcome = try run.execute(
            rules: rules, progress: progress, observe: StreamMeasurement.curriculumObserver(curriculum, seed: spec.seed))
        let result = outcome.result.trainingResult
        let start = Date()
        let diverged = result.status == .diverged
        // The paper scores the network saved at N; at the end of training a single-head network
        // already answers N + 1 and would score its last passed N at chance.
        let scored = curriculum.robustnessNetwork == .lastPass ? (outcome.lastPassModel ?? outcome.model) : outcome.model
        let robustness = try diverged ? [] : analyses.run(
            model: scored, task: Self.robustnessTask(outcome.result, family: run.family(), curriculum: curriculum), seed: spec.seed)
        let record = RunRecord(
            protocolName: protocolName, rule: spec.rule, task: spec.task, seed: spec.seed, condition: condition,
            status: result.status, result: result, metrics: LearningMetrics(result: result, budget: spec.training.maxTrials),
            robustness: robustness)
        var cell = CellResult(
            cell: self, record: record, parameters: diverged ? [] : outcome.model.parameters,
            trainSeconds: outcome.result.wallSeconds, analysisSeconds: Date().timeIntervalSince(start))
        cell.curriculum = outcome.result
        return cell
    }

    /// The task a curriculum-trained network's robustness is measured on (docs/curricula.md): the
    /// heads of the last stage that passed (the first stage when none did), accuracy on the
    /// largest-N head alone, as the ICLR 2024 code (`accuracy_perturbation_ablation.py`: the network
    /// saved at N, its head for N). Single-head: N = the largest passed on its one head.
    static func robustnessTask(_ result: CurriculumResult, family: MemoryTaskFamily, curriculum: CurriculumConfig) -> MultiHeadMemoryTask {
        let stage = result.stages.last(where: \.passed) ?? result.stages.first
        let memories = stage.map { $0.lowestN...$0.largestN } ?? curriculum.firstStage
        var task = MultiHeadMemoryTask(family: family, memories: memories, heads: curriculum.heads)
        task.scoresLargestNOnly = true
        return task
    }
}
