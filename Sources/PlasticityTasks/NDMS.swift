/// N-DMS, delayed match-to-sample (Khajehabdollahi et al. 2024): a stream of fair random bits; at
/// the last step report whether the current bit equals the one N-1 steps earlier, x[M-N] == x[M-1]
/// (0-based; their convention, so the two compared bits span a window of N steps). The sequence
/// length M is drawn once per batch uniformly from [N+2, 4N+1], as for N-parity.
public struct NDMS: Task {
    public static let id = "n-dms"
    public static let metadata = TaskMetadata(
        summary: "N-DMS: does the current bit match the bit N-1 steps earlier (a window of N)?",
        inputs: "1 channel: bits 0/1 ~ Bernoulli(0.5)",
        outputs: "2 classes (non-match, match): x[M-N] == x[M-1], cross-entropy",
        timing: "M steps, M ~ U{N+2, ..., 4N+1} drawn once per batch; loss and accuracy at the last step only",
        paper: "Khajehabdollahi, Zeraati et al., ICLR 2024 (LevinaLab/rnn_timescale_public)",
        recommended: RecommendedModel(
            activation: .tanh,
            reason: "tanh keeps the rates bounded: with leaky-ReLU random e-prop and RFLO diverge on this task (docs/rules.md)"))
    /// N = 1 compares a bit with itself (always a match), so N starts at 2.
    public static let parameterSpecs = [
        ParameterSpec("N", default: 3, range: 2...100, integer: true, doc: "window: compare x[M-N] with the last bit x[M-1]"),
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
            for t in 0..<steps { batch.inputs[t, b, 0] = rng.bernoulli(0.5) ? 1 : 0 }
            let match = batch.inputs[steps - memory, b, 0] == batch.inputs[steps - 1, b, 0]
            batch.targets[steps - 1, b, match ? 1 : 0] = 1
            batch.mask[steps - 1, b] = 1
        }
        return batch
    }

    /// Fraction of sequences whose larger output is the correct answer.
    public func score(outputs: Tensor3, batch: Batch) -> (correct: Double, total: Double) {
        classificationScore(outputs: outputs, batch: batch)
    }
}
