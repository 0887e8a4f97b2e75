/// Delayed addition, the classic adding problem (Hochreiter & Schmidhuber 1997; Le et al. 2015):
/// a value channel of U(0, 1) numbers and a marker channel with exactly two 1s, both in the first
/// half of the trial; at the last step report the sum of the two marked values. Our choices (the
/// papers vary): the two marker positions are distinct and uniform over the first floor(T/2) steps,
/// and a trial counts as correct when |y - y*| < tolerance (0.04 by default).
public struct DelayedAddition: Task {
    public static let id = "delayed-addition"
    public static let metadata = TaskMetadata(
        summary: "delayed addition: after a delay, report the sum of the two marked values",
        inputs: "2 channels: value ~ U(0,1) every step; marker 1 at two distinct steps of the first half, else 0",
        outputs: "1 channel: sum of the two marked values (0..2), MSE",
        timing: "T steps; loss and accuracy at the last step only",
        paper: "Hochreiter & Schmidhuber 1997, Neural Computation 9(8); Le, Jaitly & Hinton 2015, arXiv:1504.00941",
        recommended: RecommendedModel(
            activation: .tanh,
            reason: "tanh keeps the rates bounded: with leaky-ReLU random e-prop and RFLO diverge on this task (docs/rules.md)"))
    public static let parameterSpecs = [
        ParameterSpec("T", default: 50, range: 4...10_000, integer: true, doc: "trial length in steps (markers in the first floor(T/2))"),
        ParameterSpec("tolerance", default: 0.04, range: 1e-6...2, doc: "a trial is correct when |y - y*| < tolerance (our choice)"),
    ]

    public let steps: Int
    public let tolerance: Double

    public init(parameters: [String: Double]) {
        steps = Int(parameters["T"]!)
        tolerance = parameters["tolerance"]!
    }

    public var inputSize: Int { 2 }
    public var outputSize: Int { 1 }
    public var lossKind: LossKind { .mse }
    public var maxSteps: Int { steps }

    public func batch(size: Int, using rng: RandomSource) -> Batch {
        var batch = Batch(steps: steps, batch: size, inputs: 2, outputs: 1)
        let half = steps / 2
        for b in 0..<size {
            for t in 0..<steps { batch.inputs[t, b, 0] = rng.uniform() }
            // Two distinct positions in 0..<half: draw the second from the half-1 others.
            let first = rng.integer(below: half)
            var second = rng.integer(below: half - 1)
            if second >= first { second += 1 }
            batch.inputs[first, b, 1] = 1
            batch.inputs[second, b, 1] = 1
            batch.targets[steps - 1, b, 0] = batch.inputs[first, b, 0] + batch.inputs[second, b, 0]
            batch.mask[steps - 1, b] = 1
        }
        return batch
    }

    /// Fraction of masked trials with |y - y*| < tolerance.
    public func score(outputs: Tensor3, batch: Batch) -> (correct: Double, total: Double) {
        var correct = 0.0, total = 0.0
        for t in 0..<batch.steps {
            for b in 0..<batch.size where batch.mask[t, b] != 0 {
                total += 1
                if abs(outputs[t, b, 0] - batch.targets[t, b, 0]) < tolerance { correct += 1 }
            }
        }
        return (correct, total)
    }
}
