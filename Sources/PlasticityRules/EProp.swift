/// E-prop (every `LocalRecurrentModel` and gated model: GRU, LSTM): eligibility traces times a learning signal broadcast from the
/// output error through B = V^T (symmetric) or a fixed random B (random e-prop).
/// Trains W, U, b by the traces, each diagonal group (tau, A) by its own local trace, and V, c by the
/// exact delta rule.
public final class EProp: LearningRule {
    public enum Feedback: String, CaseIterable, Sendable {
        case symmetric
        case random
    }

    public static let id = "eprop"
    public static let locality = Locality.online
    public static let summary = "e-prop: eligibility traces × learning signal (feedback V^T or fixed random); trains tau (A) by its own trace"
    public static let citation = "Bellec et al. 2020, Nature Communications 11:3625"
    public static let hyperparameters = [
        ParameterSpec(
            "feedback", choices: Feedback.allCases.map(\.rawValue), default: Feedback.symmetric.rawValue,
            doc: "learning-signal weights B: the readout's transpose, or fixed random N(0, 1/N) drawn once per run"),
    ]
    public static let supportedModels = ModelKind.localOrGated
    public static let cost = "memory O(B·N·(N + I)) for the traces online; here O(T·B·N) (leaky, plrnn: the trace sums reordered into one gemm per group) or O(B·P) (gru, lstm); compute O(B·N·(N + I)) per step"

    let feedback: Feedback
    let traces: EligibilityTraces
    let randomFeedback: RandomFeedback

    public init(settings: [String: Double], model: any RecurrentModel, objective: Objective, batchSize: Int, maxSteps: Int) throws {
        feedback = Feedback.allCases[Int(settings["feedback"]!)]
        traces = EligibilityTraces(model: model, objective: objective, batchSize: batchSize, maxSteps: maxSteps, trainsDiagonal: true)
        randomFeedback = RandomFeedback(outputs: model.outputSize, hidden: model.hiddenSize)
    }

    public func direction(model: any RecurrentModel, batch: Batch, noise: RandomSource, into direction: inout [Double]) -> StepStats {
        switch feedback {
        case .symmetric:
            return traces.direction(model: model, batch: batch, feedback: nil, into: &direction)
        case .random:
            return traces.direction(model: model, batch: batch, feedback: randomFeedback.matrix(noise), into: &direction)
        }
    }
}

/// A fixed random feedback matrix B (out × N), entries N(0, 1/N) like V at initialisation.
/// Drawn on first use from a child of the run's noise stream, so it depends only on the seed
/// and never shifts the noise draws of the rule.
final class RandomFeedback {
    let outputs: Int
    let hidden: Int
    private var values: [Double]?

    init(outputs: Int, hidden: Int) {
        self.outputs = outputs
        self.hidden = hidden
    }

    func matrix(_ noise: RandomSource) -> [Double] {
        if let values { return values }
        var b = [Double](repeating: 0, count: outputs * hidden)
        noise.child("feedback").fillGaussian(&b, sigma: 1 / Double(hidden).squareRoot())
        values = b
        return b
    }
}
