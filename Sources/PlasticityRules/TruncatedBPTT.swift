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

    let truncation: Int
    var buffers: GradientBuffers

    public init(settings: [String: Double], model: any RecurrentModel, objective: Objective, batchSize: Int, maxSteps: Int) throws {
        truncation = Int(settings["truncation"]!)
        buffers = GradientBuffers(objective: objective, model: model, batchSize: batchSize, maxSteps: maxSteps)
    }

    public func direction(model: any RecurrentModel, batch: Batch, noise: RandomSource, into direction: inout [Double]) -> StepStats {
        buffers.gradient(model: model, batch: batch, truncation: truncation, into: &direction)
    }
}
