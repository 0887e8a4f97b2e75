/// One check of a curriculum on fresh data: the stage's heads and how each did.
public struct CurriculumCheck: Codable, Equatable, Sendable {
    public var trials: Int
    /// The N of the stage's heads (head j answers firstN + j): lowest and largest.
    public var lowestN: Int
    public var largestN: Int
    /// Mean training loss over the batches since the previous check (summed over heads).
    public var trainLoss: Double
    /// Accuracy of every active head on the fresh test trials, head 0 first.
    public var headAccuracies: [Double]
    /// Whether this check passed the stage (the curriculum advanced after it).
    public var passed: Bool
}

/// One stage of a curriculum: its N, the trials it took, and whether it passed.
public struct CurriculumStage: Codable, Equatable, Sendable {
    public var lowestN: Int
    public var largestN: Int
    /// Trials trained in this stage (until it passed, the budget ran out, or the run diverged).
    public var trials: Int
    public var passed: Bool
}

/// How well one N is answered on a long bit stream (their accuracy test: 1,100 bits, the first 100
/// a warm-up, a readout at every later step), with the paper's relative accuracy
/// (acc − 0.5)/(baseline − 0.5); the baseline is this N's stream accuracy when its stage passed.
public struct StreamAccuracy: Codable, Equatable, Sendable {
    public var n: Int
    /// The readout head that answered (its index in the readout).
    public var head: Int
    public var accuracy: Double
    /// The accuracy when N's stage passed (nil: N beyond the trained range).
    public var baseline: Double?

    /// (accuracy − 0.5)/(baseline − 0.5); nil without a baseline above chance.
    public var relative: Double? {
        guard let baseline, baseline > 0.5 else { return nil }
        return (accuracy - 0.5) / (baseline - 0.5)
    }
}

/// How a curriculum ended.
public enum CurriculumStatus: String, Codable, Sendable {
    /// Passed its last stage (N = maxN).
    case complete
    /// Used the whole budget first.
    case budget
    /// The loss, the update or a weight became NaN/Inf.
    case diverged
}

/// Everything a curriculum run records.
public struct CurriculumResult: Codable, Equatable, Sendable {
    public var kind: CurriculumKind
    public var status: CurriculumStatus
    /// The largest N of the last stage that passed (nil: not even the first stage passed).
    public var largestN: Int?
    public var trialsTrained: Int
    public var divergedAtTrial: Int?
    public var stages: [CurriculumStage]
    public var checks: [CurriculumCheck]
    /// The stream test of the network as it was at the last pass (the paper tests the network saved
    /// there): every N so far that it has a head for (forgetting: compare with each N's baseline) ...
    public var retention: [StreamAccuracy]
    /// ... and N beyond the largest passed one, answered by the head of the largest passed N (generalisation).
    public var generalisation: [StreamAccuracy]
    public var wallSeconds: Double
    /// The network's timescales and dimensionality at each stage (nil: not measured; results stored
    /// before they existed decode with nil).
    public var measures: [CurriculumStageMeasures]? = nil

    /// Trials spent on each N as the stage's newest (largest) N, in order.
    public var trialsPerN: [(n: Int, trials: Int, passed: Bool)] {
        stages.map { ($0.largestN, $0.trials, $0.passed) }
    }
}
