/// 3-bit flip-flop: three channels of sparse ±1 pulses; each output holds the sign of its
/// channel's last pulse (0 before the first).
public struct FlipFlop3: Task {
    public static let id = "flipflop3"
    public static let metadata = TaskMetadata(
        summary: "3-bit flip-flop: hold the sign of each channel's last pulse",
        inputs: "3 channels, each step a ±1 pulse with probability p, else 0",
        outputs: "3 channels: sign of the channel's last pulse (0 before the first), MSE",
        timing: "T steps, loss at every step",
        paper: "Sussillo & Barak 2013, Neural Computation 25(3); used by Haputhanthri et al. 2025",
        recommended: RecommendedModel(
            activation: .tanh,
            reason: "tanh keeps the rates bounded: with leaky-ReLU random e-prop and RFLO diverge on this task (docs/rules.md)"))
    public static let parameterSpecs = [
        ParameterSpec("T", default: 100, range: 2...10_000, integer: true, doc: "trial length in steps"),
        ParameterSpec("p", default: 0.05, range: 0.001...1, doc: "pulse probability per channel and step"),
    ]

    public let steps: Int
    public let pulseProbability: Double

    public init(parameters: [String: Double]) {
        steps = Int(parameters["T"]!)
        pulseProbability = parameters["p"]!
    }

    public var inputSize: Int { 3 }
    public var outputSize: Int { 3 }
    public var lossKind: LossKind { .mse }
    public var maxSteps: Int { steps }

    public func batch(size: Int, using rng: RandomSource) -> Batch {
        var batch = Batch(steps: steps, batch: size, inputs: 3, outputs: 3)
        for b in 0..<size {
            var held = [0.0, 0.0, 0.0]
            for t in 0..<steps {
                for k in 0..<3 {
                    if rng.uniform() < pulseProbability {
                        let sign: Double = rng.uniform() < 0.5 ? -1 : 1
                        batch.inputs[t, b, k] = sign
                        held[k] = sign
                    }
                    batch.targets[t, b, k] = held[k]
                }
                batch.mask[t, b] = 1
            }
        }
        return batch
    }

    /// Fraction of (t, b, k) with a non-zero target where sign(y) equals the target.
    public func score(outputs: Tensor3, batch: Batch) -> (correct: Double, total: Double) {
        var correct = 0.0, total = 0.0
        for t in 0..<batch.steps {
            for b in 0..<batch.size where batch.mask[t, b] != 0 {
                for k in 0..<3 {
                    let target = batch.targets[t, b, k]
                    if target == 0 { continue }
                    total += 1
                    if (outputs[t, b, k] > 0) == (target > 0) { correct += 1 }
                }
            }
        }
        return (correct, total)
    }
}
