/// The ICLR 2024 accuracy test (their `calculate_accuracy_`): drive the network with one long
/// stream of fair bits, discard a warm-up, and read a head at every later step; the answer for N at
/// step t is the parity of x[t-N+1 ... t] (N-parity) or x[t-N+1] == x[t] (N-DMS). Their streams:
/// 1,000 scored bits after a 100-bit warm-up, 10 trials; ours run the trials as one batch and
/// report the mean (the warm-up grows to N when N > 100, so every scored step has N bits behind it).
public struct StreamTest: Sendable {
    public var family: MemoryTaskFamily
    public var scoredSteps = 1_000
    public var warmup = 100
    public var trials = 10

    public init(family: MemoryTaskFamily) { self.family = family }

    /// Accuracy of each (N, head) pair on the same streams (one forward pass), drawn from `rng`.
    public func accuracies(model: any RecurrentModel, questions: [(n: Int, head: Int)], rng: RandomSource) -> [Double] {
        guard !questions.isEmpty else { return [] }
        let lead = max(warmup, questions.map(\.n).max()!)
        let steps = lead + scoredSteps
        var inputs = Tensor3(steps: steps, batch: trials, width: model.inputSize)
        for b in 0..<trials {
            for t in 0..<steps { inputs[t, b, 0] = rng.bernoulli(0.5) ? 1 : 0 }
        }
        var trajectory = model.makeTrajectory(capacity: steps, batch: trials)
        model.forward(inputs, into: &trajectory)
        // The answer key's arithmetic is the multi-head task's, on the same stream.
        let key = MultiHeadMemoryTask(family: family, memories: family.smallestN...family.smallestN, heads: 1)
        return questions.map { q in
            var correct = 0
            let o = GroupedLayout.width * q.head
            for b in 0..<trials {
                for t in lead..<steps {
                    let predicted = trajectory.outputs[t, b, o + 1] > trajectory.outputs[t, b, o] ? 1 : 0
                    if predicted == key.answer(inputs, b: b, last: t, memory: q.n) { correct += 1 }
                }
            }
            return Double(correct) / Double(trials * scoredSteps)
        }
    }
}
