/// Random-feedback local online learning (Murray 2019), for every `LocalRecurrentModel`: the e-prop
/// traces of W, U and b with a fixed random feedback matrix, and, as in Murray's formulation, fixed
/// time constants (the diagonal groups, tau or the PLRNN's A, are not trained). The readout V, c
/// learns by its exact delta rule.
public final class RFLO: LearningRule {
    public static let id = "rflo"
    public static let locality = Locality.online
    public static let summary = "RFLO: eligibility traces × random-feedback error; trains W, U, b, V, c (tau fixed)"
    public static let citation = "Murray 2019, eLife 8:e43299"
    public static let hyperparameters: [ParameterSpec] = []
    public static let supportedModels = ModelKind.local
    public static let cost = "memory O(B·N·(N + I)) for the traces online; here O(T·B·N) (the trace sums reordered into one gemm per group); compute O(B·N·(N + I)) per step"

    let traces: EligibilityTraces
    let randomFeedback: RandomFeedback

    public init(settings: [String: Double], model: any RecurrentModel, objective: Objective, batchSize: Int, maxSteps: Int) throws {
        traces = EligibilityTraces(model: model, objective: objective, batchSize: batchSize, maxSteps: maxSteps, trainsDiagonal: false)
        randomFeedback = RandomFeedback(outputs: model.outputSize, hidden: model.hiddenSize)
    }

    public func direction(model: any RecurrentModel, batch: Batch, noise: RandomSource, into direction: inout [Double]) -> StepStats {
        traces.direction(model: model, batch: batch, feedback: randomFeedback.matrix(noise), into: &direction)
    }
}
