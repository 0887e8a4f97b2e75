import Foundation

/// A contrast evaluated on stored runs, per task and rule: trials to criterion of treatment over
/// baseline, seed by seed. Censored runs count at the budget, so with censoring in the baseline
/// the ratio understates a speed-up and with censoring in the treatment it understates a slow-down.
public struct ContrastSummary: Sendable {
    public var contrast: ConditionContrast
    public var protocolName: String
    public var task: String
    public var rule: String
    /// Seeds present in both conditions (finished runs, diverged ones left out).
    public var pairs: Int
    public var treatmentReached: Int
    public var baselineReached: Int
    public var treatmentTTC: SeedSummary
    public var baselineTTC: SeedSummary
    /// Per-seed TTC(treatment) / TTC(baseline): the median of the paired ratios and its order-statistic interval.
    public var ratio: SeedSummary
    /// Two-sided sign-flip permutation test of the mean log ratio (H0: no effect).
    public var pValue: Double
    /// Per-seed plateau length difference (treatment − baseline).
    public var plateauDifference: SeedSummary
    /// The paired runs, by seed (for learning-curve plots).
    public var treatmentRuns: [RunRecord]
    public var baselineRuns: [RunRecord]

    /// Every contrast of every stored protocol that declares some, on the runs of its conditions.
    public static func make(_ stored: [StoredRun], protocols: [String: ExperimentProtocol]) -> [ContrastSummary] {
        var result: [ContrastSummary] = []
        for name in protocols.keys.sorted() {
            guard let p = protocols[name], let contrasts = p.contrasts, !contrasts.isEmpty else { continue }
            let runs = stored.map(\.record).filter { $0.protocolName == name && $0.status != .diverged }
            for task in p.tasks {
                for rule in p.rules {
                    for c in contrasts {
                        func bySeed(_ condition: String) -> [UInt64: RunRecord] {
                            Dictionary(
                                runs.filter { $0.task == task && $0.rule == rule && $0.condition == condition }.map { ($0.seed, $0) },
                                uniquingKeysWith: { a, _ in a })
                        }
                        let t = bySeed(c.treatment), b = bySeed(c.baseline)
                        let seeds = t.keys.filter { b[$0] != nil }.sorted()
                        guard !seeds.isEmpty else { continue }
                        let rng = RandomSource(seed: 0, stream: "contrast/\(name)/\(task)/\(rule)/\(c.label)")
                        let tt = seeds.map { Double(t[$0]!.metrics.trialsToCriterionOrBudget) }
                        let bt = seeds.map { Double(b[$0]!.metrics.trialsToCriterionOrBudget) }
                        let ratios = zip(tt, bt).map { $0 / max($1, 1) }
                        let logs = ratios.map { log(max($0, 1e-12)) }
                        result.append(ContrastSummary(
                            contrast: c, protocolName: name, task: task, rule: rule, pairs: seeds.count,
                            treatmentReached: seeds.filter { t[$0]!.status == .reached }.count,
                            baselineReached: seeds.filter { b[$0]!.status == .reached }.count,
                            treatmentTTC: SeedSummary(tt),
                            baselineTTC: SeedSummary(bt),
                            ratio: SeedSummary(ratios),
                            pValue: Statistics.pairedPermutationTest(logs, rng: rng.child("permutation")),
                            plateauDifference: SeedSummary(
                                seeds.map { Double(t[$0]!.metrics.plateauLength - b[$0]!.metrics.plateauLength) }),
                            treatmentRuns: seeds.map { t[$0]! }, baselineRuns: seeds.map { b[$0]! }))
                    }
                }
            }
        }
        return result
    }

    public static let header = [
        "contrast", "task", "rule", "pairs", "reached (treatment / baseline)", "TTC treatment", "TTC baseline",
        "TTC ratio", "p", "plateau difference",
    ]

    public var row: [String] {
        [
            contrast.label, task, rule, "\(pairs)", "\(treatmentReached)/\(pairs) / \(baselineReached)/\(pairs)",
            treatmentTTC.text(), baselineTTC.text(), ratio.text(digits: 2),
            pValue.isFinite ? String(format: "%.3g", pValue) : "–", plateauDifference.text(),
        ]
    }

    public static let legend = "Contrasts between conditions on the same seeds: trials to criterion (censored runs counted at the budget), median [order-statistic interval of the median] (n, its exact coverage: 95% needs n ≥ 6); TTC ratio = treatment / baseline per seed (< 1: the treatment learns faster); p: two-sided sign-flip permutation test of the mean log ratio."

    public static func markdown(_ summaries: [ContrastSummary]) -> String {
        ([legend, ""] + GroupSummary.markdownTable((header, summaries.map(\.row)))).joined(separator: "\n")
    }
}
