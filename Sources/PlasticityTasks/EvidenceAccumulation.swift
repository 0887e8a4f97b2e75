/// Evidence accumulation (a perceptual-decision task in the style of random-dot motion): each step
/// brings a noisy sample x_t = mu + sigma·xi_t, xi_t ~ N(0, 1), with a hidden bias mu = ±mu0 drawn
/// per trial; at the last step report the sign of the accumulated evidence sum_t x_t. The target
/// is the sign of the realised sum (not of mu), so a perfect integrator is always right.
/// Our choices: defaults mu0 = 0.1, sigma = 1 (the sum's sign disagrees with mu's in about a quarter
/// of trials at T = 50), class 1 for a sum >= 0.
public struct EvidenceAccumulation: Task {
    public static let id = "evidence-accumulation"
    public static let metadata = TaskMetadata(
        summary: "evidence accumulation: report the sign of the summed noisy evidence",
        inputs: "1 channel: x_t = mu + sigma·xi_t, mu = ±mu0 per trial, xi_t ~ N(0,1)",
        outputs: "2 classes (negative, positive): sign of sum_t x_t, cross-entropy",
        timing: "T steps; loss and accuracy at the last step only",
        paper: "ours, after Gold & Shadlen 2007, Annu. Rev. Neurosci. 30 (drift-diffusion evidence integration)",
        recommended: RecommendedModel(
            activation: .tanh,
            reason: "tanh keeps the rates bounded: with leaky-ReLU random e-prop and RFLO diverge on this task (docs/rules.md)"))
    public static let parameterSpecs = [
        ParameterSpec("T", default: 50, range: 1...10_000, integer: true, doc: "trial length in steps"),
        ParameterSpec("mu0", default: 0.1, range: 0...10, doc: "magnitude of the per-trial bias mu = ±mu0 (our default)"),
        ParameterSpec("sigma", default: 1, range: 0...10, doc: "standard deviation of the per-step noise (our default)"),
    ]

    public let steps: Int
    public let bias: Double
    public let noise: Double

    public init(parameters: [String: Double]) {
        steps = Int(parameters["T"]!)
        bias = parameters["mu0"]!
        noise = parameters["sigma"]!
    }

    public var inputSize: Int { 1 }
    public var outputSize: Int { 2 }
    public var lossKind: LossKind { .crossEntropy }
    public var maxSteps: Int { steps }

    public func batch(size: Int, using rng: RandomSource) -> Batch {
        var batch = Batch(steps: steps, batch: size, inputs: 1, outputs: 2)
        for b in 0..<size {
            let mu = rng.bernoulli(0.5) ? bias : -bias
            var sum = 0.0
            for t in 0..<steps {
                let x = mu + rng.gaussian(sigma: noise)
                batch.inputs[t, b, 0] = x
                sum += x
            }
            batch.targets[steps - 1, b, sum >= 0 ? 1 : 0] = 1
            batch.mask[steps - 1, b] = 1
        }
        return batch
    }

    /// Fraction of trials whose larger output is the sign of the summed evidence.
    public func score(outputs: Tensor3, batch: Batch) -> (correct: Double, total: Double) {
        classificationScore(outputs: outputs, batch: batch)
    }
}
