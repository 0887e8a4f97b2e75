/// What a rule reports about one step.
public struct StepStats: Sendable, Equatable {
    /// The task loss on the batch plus modifier terms where they apply (e.g. TCR), at the current parameters.
    public var loss: Double
    /// The task loss alone (equal to `loss` when no modifier term applies).
    public var taskLoss: Double
    public init(loss: Double) { self.init(loss: loss, taskLoss: loss) }
    public init(loss: Double, taskLoss: Double) {
        self.loss = loss
        self.taskLoss = taskLoss
    }
}

/// What a rule optimises, and on which dynamics: the task loss, plus temporal consistency
/// regularisation when `tcr` is set (see `TemporalConsistency`; its strength may change between
/// batches under a `TCRSchedule`), with the forward passes run through short-term plasticity when
/// `shortTermPlasticity` is set. Rules run every forward pass through `forward`, the one seam
/// where a modifier can change the dynamics the rule learns from.
public struct Objective: Sendable {
    public var lossKind: LossKind
    public var tcr: TCRStrength?
    /// Fast weights within each trial (kind `stp`); the backward passes of gradient rules treat the
    /// fast drive F_{t-1} h_{t-1} as a stop-gradient input (the model's own `backward`).
    public var shortTermPlasticity: (any ForwardDynamics)?

    public init(lossKind: LossKind, tcr: TCRStrength? = nil, shortTermPlasticity: (any ForwardDynamics)? = nil) {
        self.lossKind = lossKind
        self.tcr = tcr
        self.shortTermPlasticity = shortTermPlasticity
    }

    /// The current lambda_TCR (0 when TCR is off).
    public var tcrLambda: Double { tcr?.lambda ?? 0 }

    // How TCR reaches a rule follows from its locality, so a new rule gets it by using the helper
    // that matches how it learns, with no TCR code of its own: nonlocal rules through
    // `GradientEngine` (dR/dh_t enters the backward pass), online rules by adding
    // `TemporalConsistency.localLearningSignal` or `stateGradient` to dL/dh_t, reward rules by judging
    // every pass with `evaluate` / `perTrial` (R joins the scalar loss).

    /// A pass judged as a reward rule judges it: task loss + R (TCR) as `loss`, the task loss alone as `taskLoss`.
    public func evaluate(_ trajectory: Trajectory, batch: Batch) -> StepStats {
        let loss = Loss.evaluate(lossKind, outputs: trajectory.outputs, batch: batch)
        return StepStats(loss: loss + TemporalConsistency.penalty(trajectory, lambda: tcrLambda), taskLoss: loss)
    }

    /// Each trial's share of task loss + R (they sum to `evaluate(...).loss`): a per-trial reward.
    public func perTrial(_ trajectory: Trajectory, batch: Batch, into losses: inout [Double]) {
        Loss.perTrial(lossKind, outputs: trajectory.outputs, batch: batch, into: &losses)
        TemporalConsistency.addPerTrial(trajectory, lambda: tcrLambda, to: &losses)
    }

    /// A training forward pass: the model's own, or with short-term plasticity (a `LocalRecurrentModel`;
    /// `RunModifiers` rejects other models before training).
    /// A training forward pass over `batch`, from its initial state.
    public func forward(_ model: any RecurrentModel, _ batch: Batch, noise: ForwardNoise? = nil, into trajectory: inout Trajectory) {
        forward(model, batch.inputs, noise: ForwardNoise.merging(noise, initialState: batch.initialState), into: &trajectory)
    }

    public func forward(_ model: any RecurrentModel, _ inputs: Tensor3, noise: ForwardNoise? = nil, into trajectory: inout Trajectory) {
        guard let stp = shortTermPlasticity else {
            model.forward(inputs, noise: noise, into: &trajectory)
            return
        }
        stp.forward(model, inputs: inputs, noise: noise, training: true, into: &trajectory)
    }
}

/// Dynamics that replace a model's own forward pass in training: short-term plasticity's fast
/// weights (`ShortTermPlasticity`, a modifier). A protocol so that the objective, below the
/// modifiers, does not depend on them.
public protocol ForwardDynamics: AnyObject, Sendable {
    /// `training`: a pass of the rule (not a validation pass).
    func forward(_ model: any RecurrentModel, inputs: Tensor3, noise: ForwardNoise?, training: Bool, into trajectory: inout Trajectory)
}
