/// N-parity (Khajehabdollahi et al. 2024): a stream of random bits; at the last step report the
/// parity of the last N bits. The sequence length M is drawn once per batch uniformly from
/// [N+2, 4N+1] (their code, with N_max = N), each sequence draws its own bias p ~ U(0, 1) and its
/// bits ~ Bernoulli(p), so a network cannot rely on a fixed bit rate.
public struct NParity: Task {
    public static let id = "n-parity"
    public static let metadata = TaskMetadata(
        summary: "N-parity: report the parity of the last N bits of a random stream",
        inputs: "1 channel: bits 0/1 ~ Bernoulli(p), p ~ U(0,1) drawn per sequence",
        outputs: "2 classes (even, odd): sum of the last N bits mod 2, cross-entropy",
        timing: "M steps, M ~ U{N+2, ..., 4N+1} drawn once per batch; loss and accuracy at the last step only",
        paper: "Khajehabdollahi, Zeraati et al., ICLR 2024 (LevinaLab/rnn_timescale_public)",
        recommended: RecommendedModel(
            activation: .tanh,
            reason: "tanh keeps the rates bounded: with leaky-ReLU random e-prop and RFLO diverge on this task (docs/rules.md)"))
    public static let parameterSpecs = [
        ParameterSpec("N", default: 3, range: 1...100, integer: true, doc: "number of most recent bits whose parity is reported"),
    ]

    public let memory: Int

    public init(parameters: [String: Double]) {
        memory = Int(parameters["N"]!)
    }

    public var inputSize: Int { 1 }
    public var outputSize: Int { 2 }
    public var lossKind: LossKind { .crossEntropy }
    public var maxSteps: Int { 4 * memory + 1 }
    public var minSteps: Int { memory + 2 }

    public func batch(size: Int, using rng: RandomSource) -> Batch {
        let steps = minSteps + rng.integer(below: maxSteps - minSteps + 1)
        var batch = Batch(steps: steps, batch: size, inputs: 1, outputs: 2)
        for b in 0..<size {
            let p = rng.uniform()
            var ones = 0
            for t in 0..<steps {
                let bit = rng.bernoulli(p)
                batch.inputs[t, b, 0] = bit ? 1 : 0
                if bit && t >= steps - memory { ones += 1 }
            }
            batch.targets[steps - 1, b, ones % 2] = 1
            batch.mask[steps - 1, b] = 1
        }
        return batch
    }

    /// Fraction of sequences whose larger output is the correct parity.
    public func score(outputs: Tensor3, batch: Batch) -> (correct: Double, total: Double) {
        classificationScore(outputs: outputs, batch: batch)
    }
}
