/// Learning-speed measures of one run, derived from its learning curve (SCIENCE.md "Measures").
public struct LearningMetrics: Codable, Equatable, Sendable {
    /// Trials to criterion; nil when censored (see `censored`).
    public var trialsToCriterion: Int?
    /// True when the criterion was not reached within the budget: TTC is then >= the budget.
    public var censored: Bool
    /// Trials spent on the initial loss plateau before the largest drop.
    public var plateauLength: Int
    /// Largest loss drop within one window, relative to the plateau loss (0...1).
    public var abruptness: Double
    /// Area under the validation-loss curve, normalised by the trials trained.
    public var areaUnderCurve: Double
    public var finalAccuracy: Double
    public var finalLoss: Double
    public var wallSeconds: Double

    public init(
        trialsToCriterion: Int?, censored: Bool, plateauLength: Int, abruptness: Double,
        areaUnderCurve: Double, finalAccuracy: Double, finalLoss: Double, wallSeconds: Double
    ) {
        self.trialsToCriterion = trialsToCriterion
        self.censored = censored
        self.plateauLength = plateauLength
        self.abruptness = abruptness
        self.areaUnderCurve = areaUnderCurve
        self.finalAccuracy = finalAccuracy
        self.finalLoss = finalLoss
        self.wallSeconds = wallSeconds
    }
}

/// Accuracy of a trained network as damage grows: ablation (fraction silenced) or perturbation
/// (noise level). `kind` is e.g. "ablation-random", "ablation-tau", "ablation-weight",
/// "perturb-weights", "perturb-state", "perturb-tau".
public struct RobustnessCurve: Codable, Equatable, Sendable {
    public var kind: String
    public var levels: [Double]
    /// Mean accuracy over draws at each level.
    public var accuracy: [Double]
    /// Area under accuracy vs level (trapezoid), divided by the level range: 1 = no loss at all.
    public var area: Double

    public init(kind: String, levels: [Double], accuracy: [Double], area: Double) {
        self.kind = kind
        self.levels = levels
        self.accuracy = accuracy
        self.area = area
    }
}

/// Everything one finished cell (rule × task × seed × condition) produced. The results store
/// persists it; reports and exports read it back.
public struct RunRecord: Codable, Equatable, Sendable {
    public var protocolName: String
    public var rule: String
    public var task: String
    public var seed: UInt64
    /// A short label of the condition (e.g. "g=1.5"), "" when there is only one.
    public var condition: String
    public var status: RunStatus
    public var result: TrainingResult
    public var metrics: LearningMetrics
    public var robustness: [RobustnessCurve]

    public init(
        protocolName: String, rule: String, task: String, seed: UInt64, condition: String,
        status: RunStatus, result: TrainingResult, metrics: LearningMetrics, robustness: [RobustnessCurve]
    ) {
        self.protocolName = protocolName
        self.rule = rule
        self.task = task
        self.seed = seed
        self.condition = condition
        self.status = status
        self.result = result
        self.metrics = metrics
        self.robustness = robustness
    }
}
