import Foundation

/// What one finished cell produced, ready for the results store.
public struct CellResult: Sendable {
    public var cell: ExperimentCell
    public var record: RunRecord
    /// The trained network's flat parameters (empty for a diverged run).
    public var parameters: [Double]
    public var trainSeconds: Double
    public var analysisSeconds: Double
    /// What a curriculum cell recorded (nil for a plain run).
    public var curriculum: CurriculumResult? = nil
    /// The `[predictions]` observables by name (nil when not requested, or for a diverged run).
    public var predictions: [String: Double]? = nil

    public init(cell: ExperimentCell, record: RunRecord, parameters: [Double], trainSeconds: Double, analysisSeconds: Double) {
        self.cell = cell
        self.record = record
        self.parameters = parameters
        self.trainSeconds = trainSeconds
        self.analysisSeconds = analysisSeconds
    }
}

extension ExperimentCell {
    /// Trains, measures and analyses this cell. A diverged run (NaN/Inf) is a result, not an error:
    /// it is recorded with its trial and skips the analyses (its weights are not finite).
    public func run(
        tasks: TaskRegistry = .standard, rules: RuleRegistry = .standard, progress: ((Int, Int) -> Void)? = nil
    ) throws -> CellResult {
        if let curriculum = spec.curriculum { return try runCurriculum(curriculum, rules: rules, progress: progress) }
        // Only requested geometry or predictions analyses hook into training; otherwise the trainer has no checkpoint.
        let recorder = try analyses.geometry.map { try $0.recorder(task: tasks.make(spec.task, parameters: spec.taskParameters), seed: spec.seed) }
        let predictor = try analyses.predictions.map { try $0.recorder(task: tasks.make(spec.task, parameters: spec.taskParameters), seed: spec.seed) }
        let hooked = recorder != nil || predictor != nil
        // The memory estimate was checked for every cell before any ran (`ProtocolRunner`); available
        // memory shrinks while other workers run, so it is not checked again here.
        let outcome = try spec.execute(
            tasks: tasks, rules: rules, memoryLimit: nil, progress: progress,
            checkpoint: !hooked ? nil : { trials, model, evaluation in
                recorder?.checkpoint(trials: trials, model: model, evaluation: evaluation)
                predictor?.checkpoint(model: model)
            })
        let metrics = LearningMetrics(result: outcome.result, budget: spec.training.maxTrials)
        let predictorTrainingSeconds = predictor?.seconds ?? 0  // measured inside training; the rest is timed below
        let start = Date()
        let diverged = outcome.result.status == .diverged
        let curves = diverged ? [] : analyses.run(model: outcome.model, task: outcome.task, seed: spec.seed)
        let geometry = diverged ? nil : try recorder?.finish(model: outcome.model, escapeTrial: GREventTiming.escapeTrial(metrics))
        let predictions = diverged ? nil : predictor?.finish(model: outcome.model)
        let snapshotSeconds = (recorder?.seconds ?? 0) + predictorTrainingSeconds  // taken inside training, counted as analysis
        let analysisSeconds = Date().timeIntervalSince(start) + snapshotSeconds
        let record = RunRecord(
            protocolName: protocolName, rule: spec.rule, task: spec.task, seed: spec.seed, condition: condition,
            status: outcome.result.status, result: outcome.result, metrics: metrics, robustness: curves, geometry: geometry)
        var cellResult = CellResult(
            cell: self, record: record, parameters: diverged ? [] : outcome.model.parameters,
            trainSeconds: max(outcome.result.wallSeconds - snapshotSeconds, 0), analysisSeconds: analysisSeconds)
        cellResult.predictions = predictions
        return cellResult
    }
}
