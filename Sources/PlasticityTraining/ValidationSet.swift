/// The fixed held-out set of a run and the part of it the learning curve is evaluated on.
/// The learning curve needs a fine grid (plateaus and escapes are resolved by it) but evaluating the
/// whole set that often would cost more than training; the curve therefore uses the set's leading
/// batches (`TrainingConfig.curveSize` trials, rounded up to whole batches), and the criterion and
/// the final loss/accuracy use the whole set (`Trainer.train`). Each part has its trivial baseline.
public struct ValidationSet {
    /// The whole validation set (`validationSize` trials in batches of at most `batchSize`).
    public let batches: [Batch]
    /// Its leading batches with at least `curveSize` trials (all of them when the set is no larger).
    public let curveBatches: [Batch]
    /// `TrivialBaseline.loss` on `batches` and on `curveBatches`.
    public let baseline: Double
    public let curveBaseline: Double

    /// Draws the set from `rng` (the run's validation stream; the same batches as before the curve
    /// subset existed, so seeds keep their validation data); each batch gets an initial state from
    /// `initialStates` when the model asks for random ones.
    public init(task: any Task, config: TrainingConfig, rng: RandomSource, initialStates: InitialStateSampler? = nil) {
        batches = Trainer.validationSet(task: task, size: config.validationSize, batchSize: config.batchSize, rng: rng)
            .map { initialStates.attached($0) }
        var curve: [Batch] = [], trials = 0
        for batch in batches where trials < config.curveSize {
            curve.append(batch)
            trials += batch.size
        }
        curveBatches = curve
        baseline = TrivialBaseline.loss(task.lossKind, batches: batches)
        curveBaseline = curve.count == batches.count ? baseline : TrivialBaseline.loss(task.lossKind, batches: curve)
    }

    /// True when the curve is evaluated on the whole set (one evaluation per point).
    public var curveIsWhole: Bool { curveBatches.count == batches.count }
}
