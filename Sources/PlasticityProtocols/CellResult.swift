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
        // Only a requested geometry analysis hooks into training; otherwise the trainer has no checkpoint.
        let recorder = try analyses.geometry.map { try $0.recorder(task: tasks.make(spec.task, parameters: spec.taskParameters), seed: spec.seed) }
        // The memory estimate was checked for every cell before any ran (`ProtocolRunner`); available
        // memory shrinks while other workers run, so it is not checked again here.
        let outcome = try spec.execute(
            tasks: tasks, rules: rules, memoryLimit: nil, progress: progress,
            checkpoint: recorder.map { r in { r.checkpoint(trials: $0, model: $1, evaluation: $2) } })
        let metrics = LearningMetrics(result: outcome.result, budget: spec.training.maxTrials)
        let start = Date()
        let diverged = outcome.result.status == .diverged
        let curves = diverged ? [] : analyses.run(model: outcome.model, task: outcome.task, seed: spec.seed)
        let geometry = diverged ? nil : try recorder?.finish(model: outcome.model, escapeTrial: GREventTiming.escapeTrial(metrics))
        let snapshotSeconds = recorder?.seconds ?? 0  // taken inside training, counted as analysis
        let analysisSeconds = Date().timeIntervalSince(start) + snapshotSeconds
        let record = RunRecord(
            protocolName: protocolName, rule: spec.rule, task: spec.task, seed: spec.seed, condition: condition,
            status: outcome.result.status, result: outcome.result, metrics: metrics, robustness: curves, geometry: geometry)
        return CellResult(
            cell: self, record: record, parameters: diverged ? [] : outcome.model.parameters,
            trainSeconds: max(outcome.result.wallSeconds - snapshotSeconds, 0), analysisSeconds: analysisSeconds)
    }
}
