/// lambda_TCR at one evaluation of a run, for plots beside the learning curve.
public struct TCRTracePoint: Codable, Equatable, Sendable {
    public var trials: Int
    public var lambda: Double
    public var collapsed: Bool
}

/// The TCR modifier of one run: its strength (shared with the rule through `objective`), its schedule,
/// and a fixed validation batch for the collapse detector. Hook it into training with
/// `Trainer.train(..., progress: { t, _ in tcr.update(trials: t) }, checkpoint: tcr.observe)`:
/// time schedules follow every batch, the plateau controller every evaluation.
public final class TCRModifier {
    public let config: TCRConfig
    public let strength: TCRStrength
    public private(set) var schedule: TCRSchedule
    public private(set) var trace: [TCRTracePoint] = []
    let collapseProbe: Batch
    /// How the collapse probe runs (short-term plasticity); nil = the model's own forward pass.
    var forward: ForwardPass?
    /// The trivial baseline of the validation losses `observe` receives (`ValidationSet.curveBaseline`;
    /// `RunSpec.execute` sets it): the plateau controller arms against it. NaN: never arms.
    public var baseline = Double.nan

    /// The collapse probe comes from the stream `tcr/collapse` of the run's seed (never the data stream).
    public static let probeSize = 32

    public init(config: TCRConfig, task: any Task, seed: UInt64, probeSize: Int = TCRModifier.probeSize) {
        self.config = config
        schedule = TCRSchedule(config: config)
        strength = TCRStrength(lambda: schedule.lambda(atTrial: 0))
        collapseProbe = task.batch(size: probeSize, using: RandomSource(seed: seed, stream: "tcr/collapse"))
    }

    /// The rule's objective: the task loss plus TCR at this modifier's current strength.
    public func objective(lossKind: LossKind) -> Objective { Objective(lossKind: lossKind, tcr: strength) }

    /// After each batch: lambda for the next one.
    public func update(trials: Int) { strength.lambda = schedule.lambda(atTrial: trials) }

    /// At each evaluation: checks for collapse, feeds the controller and records lambda.
    public func observe(trials: Int, model: any RecurrentModel, evaluation: Evaluation) {
        var trajectory = model.makeTrajectory(capacity: collapseProbe.steps, batch: collapseProbe.size)
        if let forward { forward(model, collapseProbe.inputs, nil, &trajectory) } else { model.forward(collapseProbe.inputs, into: &trajectory) }
        let collapsed = CollapseDetector.isCollapsed(trajectory, threshold: config.collapseSpread)
        schedule.observe(validationLoss: evaluation.loss, baseline: baseline, collapsed: collapsed)
        update(trials: trials)
        trace.append(TCRTracePoint(trials: trials, lambda: strength.lambda, collapsed: collapsed))
    }
}
