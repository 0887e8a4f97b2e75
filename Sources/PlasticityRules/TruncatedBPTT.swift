/// Truncated BPTT: the exact backward pass, but the gradient stops flowing back across window
/// boundaries every k steps (windows [0, k), [k, 2k), ...; the state entering a window is a constant).
/// Model-agnostic: the truncation is done by the model's own `backward`. With TCR the penalty's
/// state gradient stays within the windows too (`TemporalConsistency.evaluate(window:)`).
public final class TruncatedBPTT: LearningRule {
    public static let id = "tbptt"
    public static let locality = Locality.nonlocal
    public static let summary = "BPTT with the backward pass cut every k steps (window k)"
    public static let citation = "Williams & Peng 1990, Neural Computation 2(4)"
    public static let hyperparameters = [
        ParameterSpec("truncation", default: 10, range: 1...100_000, integer: true, doc: "window length k in steps"),
    ]
    public static let supportedModels = ModelKind.allCases
    public static let cost = "memory O(T·B·N) (the trajectory is still stored; an online version needs O(k·B·N)); compute O(B·N²) per step forward and backward"

    let objective: Objective
    let truncation: Int
    var trajectory: Trajectory
    var outputGradient: Tensor3
    /// dR_TCR/dh_t; sized for the longest trial only when the objective carries TCR.
    var stateGradient: Tensor3

    public init(settings: [String: Double], model: any RecurrentModel, objective: Objective, batchSize: Int, maxSteps: Int) throws {
        self.objective = objective
        truncation = Int(settings["truncation"]!)
        trajectory = model.makeTrajectory(capacity: maxSteps, batch: batchSize)
        outputGradient = Tensor3(steps: maxSteps, batch: batchSize, width: model.outputSize)
        stateGradient = Tensor3(steps: objective.tcr == nil ? 0 : maxSteps + 1, batch: batchSize, width: model.hiddenSize)
    }

    public func direction(model: any RecurrentModel, batch: Batch, noise: RandomSource, into direction: inout [Double]) -> StepStats {
        GradientEngine.gradient(
            model: model, batch: batch, objective: objective, truncation: truncation,
            trajectory: &trajectory, outputGradient: &outputGradient, stateGradient: &stateGradient, into: &direction)
    }
}
