/// Learning-speed measures of one run, derived from its learning curve (docs/science.md "Measures";
/// exact definitions in docs/protocols.md). All loss-based measures use the validation loss L_i at
/// the evaluation points t_i (i = 0 is before training), up to the first non-finite point; the
/// plateau measures compare it with the trivial baseline of the same validation data
/// (`PlateauDefinition`).
public struct LearningMetrics: Codable, Equatable, Sendable {
    /// Trials to criterion; nil when censored (see `censored`).
    public var trialsToCriterion: Int?
    /// True when the criterion was not reached (budget used up, or diverged): TTC is then >= `budget`.
    public var censored: Bool
    /// The training budget (max trials): the censoring bound of TTC.
    public var budget: Int
    /// The trivial baseline (`TrivialBaseline`) of the whole validation set (what `finalLoss` is
    /// measured on) and of the curve's subset (what the curve is measured on); NaN when unknown.
    public var baseline: Double
    public var curveBaseline: Double
    /// Trial at which the loss entered the band around the baseline; nil when it never did.
    public var plateauEntry: Int?
    /// Trials from entering the band to the escape; 0 when the loss never entered it; when it
    /// entered and never escaped, up to the end of the run (`plateauCensored`).
    public var plateauLength: Int
    /// The plateau lasted to the end of the run (no escape): its length is a lower bound.
    public var plateauCensored: Bool
    /// The first evaluation after which the loss stays below the escape fraction of the baseline; nil when none.
    public var escapeTrial: Int?
    /// The share of the baseline-to-final-minimum distance covered in the steepest window; NaN
    /// without a plateau entry and an escape.
    public var abruptness: Double
    /// The evaluation trial at which the largest drop between consecutive evaluations ended; nil
    /// when the loss never fell.
    public var trialOfLargestDrop: Int?
    /// Mean validation loss over [0, budget]: trapezoid area under L(t), the last value carried to
    /// the budget (a run that stopped at criterion keeps its final loss), divided by the budget.
    /// NaN for a diverged run.
    public var areaUnderCurve: Double
    public var finalAccuracy: Double
    public var finalLoss: Double
    public var wallSeconds: Double

    public init(
        trialsToCriterion: Int?, censored: Bool, budget: Int, baseline: Double = .nan, curveBaseline: Double = .nan,
        plateauEntry: Int? = nil, plateauLength: Int, plateauCensored: Bool = false, escapeTrial: Int? = nil, abruptness: Double,
        trialOfLargestDrop: Int?, areaUnderCurve: Double, finalAccuracy: Double, finalLoss: Double, wallSeconds: Double
    ) {
        self.trialsToCriterion = trialsToCriterion
        self.censored = censored
        self.budget = budget
        self.baseline = baseline
        self.curveBaseline = curveBaseline
        self.plateauEntry = plateauEntry
        self.plateauLength = plateauLength
        self.plateauCensored = plateauCensored
        self.escapeTrial = escapeTrial
        self.abruptness = abruptness
        self.trialOfLargestDrop = trialOfLargestDrop
        self.areaUnderCurve = areaUnderCurve
        self.finalAccuracy = finalAccuracy
        self.finalLoss = finalLoss
        self.wallSeconds = wallSeconds
    }

    /// Computes every measure from a training result and its budget (`TrainingConfig.maxTrials`).
    public init(result: TrainingResult, budget: Int, definition: PlateauDefinition = .standard) {
        var points: [(t: Int, loss: Double)] = []
        for p in result.curve {
            guard p.validationLoss.isFinite else { break }
            points.append((p.trials, p.validationLoss))
        }
        trialsToCriterion = result.trialsToCriterion
        censored = result.trialsToCriterion == nil
        self.budget = budget
        baseline = result.baseline ?? .nan
        curveBaseline = result.curveBaseline ?? .nan
        finalAccuracy = result.final.accuracy
        finalLoss = result.final.loss
        wallSeconds = result.wallSeconds
        let end = result.status == .budget ? max(budget, points.last?.t ?? 0) : (points.last?.t ?? 0)
        let plateau = definition.analyse(
            trials: points.map(\.t), losses: points.map(\.loss), baseline: curveBaseline, end: end, budget: budget)
        plateauEntry = plateau.entry
        plateauLength = plateau.length
        plateauCensored = plateau.censored
        escapeTrial = plateau.escape
        abruptness = plateau.abruptness
        trialOfLargestDrop = nil
        areaUnderCurve = .nan
        guard let first = points.first else { return }
        var largest = 0.0
        for i in 1..<points.count where points[i - 1].loss - points[i].loss > largest {
            largest = points[i - 1].loss - points[i].loss
            trialOfLargestDrop = points[i].t
        }
        guard result.status != .diverged else { return }
        var area = 0.0
        for i in 1..<points.count {
            area += Double(points[i].t - points[i - 1].t) * (points[i].loss + points[i - 1].loss) / 2
        }
        let last = points.last!.t
        area += Double(max(budget, last) - last) * points.last!.loss
        areaUnderCurve = max(budget, last) > 0 ? area / Double(max(budget, last)) : first.loss
    }

    /// TTC for statistics: the trials to criterion, or the budget for a censored run (a lower bound).
    public var trialsToCriterionOrBudget: Int { trialsToCriterion ?? budget }

    /// The final loss in units of the trivial baseline (1 = no better than the best constant
    /// output, 0 = perfect), comparable across tasks; NaN when the baseline is unknown.
    public var finalLossNormalised: Double { baseline > 0 ? finalLoss / baseline : .nan }
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

    /// A curve with its area computed (`area(levels:accuracy:)`).
    public init(kind: String, levels: [Double], accuracy: [Double]) {
        self.init(kind: kind, levels: levels, accuracy: accuracy, area: RobustnessCurve.area(levels: levels, accuracy: accuracy))
    }

    /// Trapezoid area under accuracy vs level (sorted by level), divided by the level range; the
    /// single accuracy when there is one level.
    public static func area(levels: [Double], accuracy: [Double]) -> Double {
        let points = zip(levels, accuracy).sorted { $0.0 < $1.0 }
        guard let first = points.first, let last = points.last else { return .nan }
        guard last.0 > first.0 else { return Statistics.mean(accuracy) }
        var sum = 0.0
        for i in 1..<points.count { sum += (points[i].0 - points[i - 1].0) * (points[i].1 + points[i - 1].1) / 2 }
        return sum / (last.0 - first.0)
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
    /// The geometry analysis (nil when not requested, or for a diverged run).
    public var geometry: GeometryResult?

    public init(
        protocolName: String, rule: String, task: String, seed: UInt64, condition: String,
        status: RunStatus, result: TrainingResult, metrics: LearningMetrics, robustness: [RobustnessCurve],
        geometry: GeometryResult? = nil
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
        self.geometry = geometry
    }
}
