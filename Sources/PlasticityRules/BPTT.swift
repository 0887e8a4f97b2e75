/// Backpropagation through time: the exact gradient of the masked loss through the whole trial.
public final class BPTT: LearningRule {
    public static let id = "bptt"
    public static let locality = Locality.nonlocal
    public static let summary = "exact gradient of the masked loss through the whole trial"
    public static let citation = "Werbos 1990, Proc. IEEE 78(10)"
    public static let hyperparameters: [ParameterSpec] = []
    public static let supportedModels = ModelKind.allCases
    public static let cost = "memory O(T·B·N) for the stored trajectory; compute O(B·N²) per step forward and backward"

    var buffers: GradientBuffers

    public convenience init(settings: [String: Double], model: any RecurrentModel, objective: Objective, batchSize: Int, maxSteps: Int) throws {
        self.init(objective: objective, model: model, batchSize: batchSize, maxSteps: maxSteps)
    }

    public init(objective: Objective, model: any RecurrentModel, batchSize: Int, maxSteps: Int) {
        buffers = GradientBuffers(objective: objective, model: model, batchSize: batchSize, maxSteps: maxSteps)
    }

    public func direction(model: any RecurrentModel, batch: Batch, noise: RandomSource, into direction: inout [Double]) -> StepStats {
        buffers.gradient(model: model, batch: batch, truncation: nil, into: &direction)
    }
}

/// What a rule that takes the exact gradient (BPTT, truncated BPTT) keeps between updates: the
/// objective and `GradientEngine`'s buffers, sized once.
struct GradientBuffers {
    let objective: Objective
    var trajectory: Trajectory
    var outputGradient: Tensor3
    /// dR_TCR/dh_t; sized for the longest trial only when the objective carries TCR.
    var stateGradient: Tensor3

    init(objective: Objective, model: any RecurrentModel, batchSize: Int, maxSteps: Int) {
        self.objective = objective
        trajectory = model.makeTrajectory(capacity: maxSteps, batch: batchSize)
        outputGradient = Tensor3(steps: maxSteps, batch: batchSize, width: model.outputSize)
        stateGradient = Tensor3(steps: objective.tcr == nil ? 0 : maxSteps + 1, batch: batchSize, width: model.hiddenSize)
    }

    mutating func gradient(model: any RecurrentModel, batch: Batch, truncation: Int?, into direction: inout [Double]) -> StepStats {
        GradientEngine.gradient(
            model: model, batch: batch, objective: objective, truncation: truncation,
            trajectory: &trajectory, outputGradient: &outputGradient, stateGradient: &stateGradient, into: &direction)
    }
}

/// Forward pass, loss and exact backward pass: shared by BPTT, truncated BPTT and `grad`.
public enum GradientEngine {
    /// The exact gradient of the objective: the task loss, plus the TCR penalty when lambda > 0
    /// (its dR/dh_t enters the backward pass through `stateGradient`, a buffer the caller owns,
    /// (T+1) × B × N; untouched when TCR is off). With `truncation` k the TCR gradient, like the
    /// task's, stays within each window (`TemporalConsistency.evaluate(window:)`).
    /// Returns the total and the task loss.
    public static func gradient(
        model: any RecurrentModel, batch: Batch, objective: Objective, truncation: Int?,
        trajectory: inout Trajectory, outputGradient: inout Tensor3, stateGradient: inout Tensor3,
        into gradient: inout [Double]
    ) -> StepStats {
        objective.forward(model, batch, into: &trajectory)
        outputGradient.resize(steps: batch.steps)
        let loss = outputGradient.data.withUnsafeMutableBufferPointer { g in
            Loss.evaluate(objective.lossKind, outputs: trajectory.outputs, batch: batch, gradient: g.baseAddress!)
        }
        let lambda = objective.tcrLambda
        guard lambda > 0 else {
            model.backward(
                &trajectory, inputs: batch.inputs, outputGradient: outputGradient, stateGradient: nil,
                truncation: truncation, into: &gradient)
            return StepStats(loss: loss)
        }
        let penalty = TemporalConsistency.stateGradient(trajectory, lambda: lambda, window: truncation, into: &stateGradient)
        model.backward(
            &trajectory, inputs: batch.inputs, outputGradient: outputGradient, stateGradient: stateGradient,
            truncation: truncation, into: &gradient)
        return StepStats(loss: loss + penalty, taskLoss: loss)
    }

    /// As above, for one-off callers (`grad`, tests): allocates the state-gradient buffer when TCR is on.
    public static func gradient(
        model: any RecurrentModel, batch: Batch, objective: Objective, truncation: Int?,
        trajectory: inout Trajectory, outputGradient: inout Tensor3, into gradient: inout [Double]
    ) -> StepStats {
        var stateGradient = Tensor3(steps: 0, batch: batch.size, width: model.hiddenSize)
        return self.gradient(
            model: model, batch: batch, objective: objective, truncation: truncation, trajectory: &trajectory,
            outputGradient: &outputGradient, stateGradient: &stateGradient, into: &gradient)
    }
}
