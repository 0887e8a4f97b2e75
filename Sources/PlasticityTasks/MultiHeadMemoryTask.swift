/// The memory tasks a curriculum steps through (N-parity or N-DMS), one 2-class readout head per N.
public enum MemoryTaskFamily: String, CaseIterable, Codable, Sendable {
    case parity = "n-parity"
    case dms = "n-dms"

    /// The smallest N the task accepts (N-DMS with N = 1 compares a bit with itself).
    public var smallestN: Int { self == .parity ? 1 : 2 }
}

/// Several N of one memory task answered at once by side-by-side readout heads (Khajehabdollahi
/// et al. 2024, their `make_batch_Nbit_pair_parity` / `make_batch_multihead_dms`): head j answers
/// N = `memories[j]`; heads from `memories.count` to `heads - 1` are allocated but inactive (zero
/// targets, so `LossKind.headwiseCrossEntropy` gives them no loss and no gradient). One bit
/// stream feeds every head; its length M is drawn once per batch from [N_max + 2, 4 N_max + 1] with
/// N_max the largest active N (their code). With one head the batches are bit-identical to
/// `NParity` / `NDMS` with that N (same draws in the same order).
public struct MultiHeadMemoryTask: Task {
    public static let id = "multi-head-memory"
    public static let metadata = TaskMetadata(
        summary: "several N of N-parity or N-DMS at once, one 2-class readout head per N (curricula)",
        inputs: "1 channel: bits 0/1 as in n-parity (p ~ U(0,1) per sequence) or n-dms (p = 0.5)",
        outputs: "2 per head: head j answers N = first-N + j; cross-entropy per head, summed over active heads",
        timing: "M steps, M ~ U{N_max+2, ..., 4 N_max+1} drawn once per batch; loss and accuracy at the last step only",
        paper: "Khajehabdollahi, Zeraati et al., ICLR 2024 (LevinaLab/rnn_timescale_public)")
    /// Not registered in `TaskRegistry.standard`: curricula build it (`Curriculum`); the specs let
    /// `init(parameters:)` describe one stage.
    public static let parameterSpecs = [
        ParameterSpec("family", default: 0, range: 0...1, integer: true, doc: "0 = n-parity, 1 = n-dms"),
        ParameterSpec("first-N", default: 2, range: 1...1000, integer: true, doc: "N answered by head 0"),
        ParameterSpec("last-N", default: 2, range: 1...1000, integer: true, doc: "N answered by the last active head"),
        ParameterSpec("heads", default: 1, range: 1...1000, integer: true, doc: "readout heads allocated (at least last-N - first-N + 1)"),
    ]

    public let family: MemoryTaskFamily
    /// N answered by each active head, head 0 first (consecutive, increasing).
    public let memories: [Int]
    /// Heads allocated in the readout (2 outputs each).
    public let heads: Int
    /// Accuracy (`score`) counts only the largest-N head, as the ICLR 2024 code's robustness
    /// analyses do (their `index_in_head = N - 2`); false: every active head, pooled. The batches
    /// and the loss are the same either way.
    public var scoresLargestNOnly = false

    public init(family: MemoryTaskFamily, memories: ClosedRange<Int>, heads: Int) {
        precondition(memories.lowerBound >= family.smallestN && heads >= memories.count)
        self.family = family
        self.memories = Array(memories)
        self.heads = heads
    }

    public init(parameters: [String: Double]) {
        let first = Int(parameters["first-N"]!), last = max(Int(parameters["last-N"]!), first)
        self.init(
            family: parameters["family"] == 1 ? .dms : .parity, memories: first...last,
            heads: max(Int(parameters["heads"]!), last - first + 1))
    }

    public var largestN: Int { memories.last! }
    public var inputSize: Int { 1 }
    public var outputSize: Int { GroupedLayout.width * heads }
    public var lossKind: LossKind { .headwiseCrossEntropy }
    public var maxSteps: Int { 4 * largestN + 1 }
    public var minSteps: Int { largestN + 2 }

    public func batch(size: Int, using rng: RandomSource) -> Batch {
        let steps = minSteps + rng.integer(below: maxSteps - minSteps + 1)
        var batch = Batch(steps: steps, batch: size, inputs: 1, outputs: outputSize)
        let last = steps - 1
        for b in 0..<size {
            let p = family == .parity ? rng.uniform() : 0.5
            for t in 0..<steps { batch.inputs[t, b, 0] = rng.bernoulli(p) ? 1 : 0 }
            for (head, n) in memories.enumerated() {
                batch.targets[last, b, GroupedLayout.width * head + answer(batch.inputs, b: b, last: last, memory: n)] = 1
            }
            batch.mask[last, b] = 1
        }
        return batch
    }

    /// The class (0 or 1) of N at step `last` of sequence b: parity of x[last-N+1 ... last], or
    /// whether x[last-N+1] == x[last] (N-DMS).
    public func answer(_ inputs: Tensor3, b: Int, last: Int, memory n: Int) -> Int {
        switch family {
        case .parity:
            var ones = 0
            for t in (last - n + 1)...last where inputs[t, b, 0] != 0 { ones += 1 }
            return ones % 2
        case .dms:
            return inputs[last - n + 1, b, 0] == inputs[last, b, 0] ? 1 : 0
        }
    }

    /// Correct answers and scored positions of every active head (index = head).
    public func headScores(outputs: Tensor3, batch: Batch) -> [(correct: Double, total: Double)] {
        var scores = [(correct: Double, total: Double)](repeating: (0, 0), count: memories.count)
        for t in 0..<batch.steps {
            for b in 0..<batch.size where batch.mask[t, b] != 0 {
                for head in memories.indices {
                    let o = GroupedLayout.width * head
                    let predicted = outputs[t, b, o + 1] > outputs[t, b, o] ? 1 : 0
                    let target = batch.targets[t, b, o + 1] > batch.targets[t, b, o] ? 1 : 0
                    scores[head].total += 1
                    if predicted == target { scores[head].correct += 1 }
                }
            }
        }
        return scores
    }

    /// All active heads pooled (the mean accuracy over heads, each scoring the same positions), or the
    /// largest-N head alone (`scoresLargestNOnly`).
    public func score(outputs: Tensor3, batch: Batch) -> (correct: Double, total: Double) {
        let scores = headScores(outputs: outputs, batch: batch)
        if scoresLargestNOnly { return scores.last! }
        return scores.reduce((0, 0)) { ($0.correct + $1.correct, $0.total + $1.total) }
    }
}

/// Where each head's outputs sit in a multi-head readout.
public enum GroupedLayout {
    /// Outputs per head (2 classes), as `GroupedCrossEntropy.width`.
    public static let width = 2
}
