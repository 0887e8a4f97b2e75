import Foundation

/// `[sweep]` of a protocol: a grid of optimiser settings from which each rule's setting is
/// selected on separate selection seeds, per task and condition, before the protocol's own seeds
/// (the evaluation seeds) run with the selected setting. Rules are then compared at their own best
/// setting, chosen without looking at the seeds that are reported.
public struct SweepPlan: Codable, Equatable, Sendable {
    /// Learning rates to try (empty: the rule's own).
    public var learningRates: [Double]
    /// Update-norm clips to try; 0 means no clipping (empty: the rule's own).
    public var clips: [Double]
    /// Seeds of the selection runs; disjoint from the protocol's seeds.
    public var selectionSeeds: [UInt64]

    public init(learningRates: [Double] = [], clips: [Double] = [], selectionSeeds: [UInt64] = []) {
        self.learningRates = learningRates
        self.clips = clips
        self.selectionSeeds = selectionSeeds
    }

    /// One point of the grid as explicit optimiser settings (they win over the rule file's).
    public struct Setting: Codable, Equatable, Hashable, Sendable {
        public var learningRate: Double?
        /// nil: the rule's own; 0: no clipping.
        public var clip: Double?

        public init(learningRate: Double?, clip: Double?) {
            self.learningRate = learningRate
            self.clip = clip
        }

        /// "lr=0.003 clip=2", "lr=0.01 clip=none": how conditions and reports name a setting.
        public var label: String {
            var parts: [String] = []
            if let learningRate { parts.append("lr=\(formatNumber(learningRate))") }
            if let clip { parts.append("clip=" + (clip == 0 ? "none" : formatNumber(clip))) }
            return parts.joined(separator: " ")
        }

        /// Applied over `base`: the learning rate, and the clip (0 removes it).
        public func applied(to base: OptimizerSettings) -> OptimizerSettings {
            var o = base
            if let learningRate { o.learningRate = learningRate }
            if let clip {
                if clip == 0 {
                    o.clipNorm = nil
                    o.clipDisabled = true
                } else {
                    o.clipNorm = clip
                    o.clipDisabled = nil
                }
            }
            return o
        }
    }

    /// The grid, learning rate major.
    public var settings: [Setting] {
        let rates: [Double?] = learningRates.isEmpty ? [nil] : learningRates
        let clips: [Double?] = self.clips.isEmpty ? [nil] : self.clips
        return rates.flatMap { lr in clips.map { Setting(learningRate: lr, clip: $0) } }
    }

    /// The condition label of a selection cell: "g=1.5 | lr=0.003 clip=2" ("lr=0.003 clip=2" for
    /// the unnamed condition).
    public static func selectionLabel(condition: String, setting: Setting) -> String {
        condition.isEmpty ? setting.label : "\(condition) | \(setting.label)"
    }

    public func validate(evaluationSeeds: [UInt64], file: String? = nil) throws {
        if learningRates.isEmpty && clips.isEmpty {
            throw InputError.invalid("give at least one of learning-rate or clip as a list, e.g. learning-rate = [0.001, 0.003, 0.01]", file: file, key: "sweep")
        }
        if settings.count < 2 { throw InputError.invalid("a sweep needs at least two settings", file: file, key: "sweep") }
        if selectionSeeds.isEmpty { throw InputError.invalid("give at least one selection seed", file: file, key: "sweep.selection-seeds") }
        if let shared = selectionSeeds.first(where: evaluationSeeds.contains) {
            throw InputError.invalid(
                "seed \(shared) is also an evaluation seed; valid: selection seeds disjoint from seeds (\(evaluationSeeds.map(String.init).joined(separator: ", ")))",
                file: file, key: "sweep.selection-seeds")
        }
    }
}

/// The outcome of a sweep for one (task, condition, rule): every setting's selection score and the
/// one chosen.
public struct SweepChoice: Codable, Equatable, Sendable {
    public struct Score: Codable, Equatable, Sendable {
        public var setting: SweepPlan.Setting
        /// Median over selection seeds of trials to criterion, censored runs at the budget and
        /// diverged runs at twice the budget (worse than any censored run).
        public var medianTrials: Double
        /// Median over selection seeds of the mean validation loss over the budget (tie-break).
        public var medianArea: Double
        public var reached: Int
        public var runs: Int
    }
    public var task: String
    public var condition: String
    public var rule: String
    public var scores: [Score]
    public var chosen: SweepPlan.Setting

    /// How choices are looked up: task, condition label and rule.
    public static func key(task: String, condition: String, rule: String) -> String {
        [task, condition, rule].joined(separator: "\u{1F}")
    }

    /// Picks the setting with the lowest median trials to criterion, ties broken by the lowest
    /// median area under the loss curve, then by grid order (deterministic).
    public static func choose(task: String, condition: String, rule: String, runs: [(SweepPlan.Setting, RunRecord)], grid: [SweepPlan.Setting]) -> SweepChoice {
        var scores: [Score] = []
        for setting in grid {
            let records = runs.filter { $0.0 == setting }.map(\.1)
            let trials = records.map { r -> Double in
                if r.status == .diverged { return 2 * Double(r.metrics.budget) }
                return Double(r.metrics.trialsToCriterionOrBudget)
            }
            let areas = records.map { $0.metrics.areaUnderCurve.isFinite ? $0.metrics.areaUnderCurve : .infinity }
            scores.append(Score(
                setting: setting, medianTrials: records.isEmpty ? .infinity : Statistics.median(trials),
                medianArea: records.isEmpty ? .infinity : Statistics.median(areas),
                reached: records.filter { $0.status == .reached }.count, runs: records.count))
        }
        var best = 0
        for i in scores.indices.dropFirst() {
            let a = scores[i], b = scores[best]
            if a.medianTrials < b.medianTrials || (a.medianTrials == b.medianTrials && a.medianArea < b.medianArea) { best = i }
        }
        return SweepChoice(task: task, condition: condition, rule: rule, scores: scores, chosen: scores[best].setting)
    }
}
