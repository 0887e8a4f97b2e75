import Foundation

/// One rule's runs in a group (same protocol, task and condition), summarised across seeds.
public struct RuleSummary: Sendable {
    public var rule: String
    public var runs: [RunRecord]
    public var reached: Int
    public var diverged: Int
    /// Trials to criterion, censored runs counted at the budget (a lower bound).
    public var trialsToCriterion: SeedSummary
    /// Plateau length (censored plateaus count to the end of the run: lower bounds).
    public var plateau: SeedSummary
    /// Runs whose plateau was censored (entered the band, never escaped).
    public var plateauCensored: Int
    /// Runs with an escape.
    public var escaped: Int
    public var abruptness: SeedSummary
    /// Final loss / trivial baseline.
    public var finalLossNormalised: SeedSummary
    public var areaUnderCurve: SeedSummary
    public var finalAccuracy: SeedSummary
    /// Area of each robustness curve kind ("ablation-random", "perturb-state", ...).
    public var robustnessAreas: [(kind: String, summary: SeedSummary)]
}

/// Runs of one protocol, task and condition: what a report section and `compare`'s table show.
public struct GroupSummary: Sendable {
    public var protocolName: String
    public var task: String
    public var condition: String
    public var budget: Int
    public var criterion: String
    /// In the protocol's rule order; the first is the baseline of the paired comparisons.
    public var rules: [RuleSummary]
    public var comparisons: [PairedComparison]
    /// The settings each rule ran with (its first seed's; seeds differ only in the seed), by rule.
    public var settings: [String: ResolvedConfiguration] = [:]

    public var title: String {
        "\(task)" + (condition.isEmpty ? "" : ", \(condition)") + " (protocol \(protocolName))"
    }

    /// Statistics on one measure of every run, keyed by seed.
    static func values(_ runs: [RunRecord], _ measure: (RunRecord) -> Double) -> [UInt64: Double] {
        Dictionary(runs.map { ($0.seed, measure($0)) }, uniquingKeysWith: { a, _ in a })
    }

    static let measures: [(name: String, value: @Sendable (RunRecord) -> Double)] = [
        ("trials to criterion", { Double($0.metrics.trialsToCriterionOrBudget) }),
        ("AUC loss", { $0.metrics.areaUnderCurve }),
        ("final loss / baseline", { $0.metrics.finalLossNormalised }),
        ("final accuracy", { $0.metrics.finalAccuracy }),
    ]

    /// Groups stored runs; rule order follows the stored protocol definition when there is one.
    public static func make(_ stored: [StoredRun], protocols: [String: ExperimentProtocol]) -> [GroupSummary] {
        var order: [String] = []
        var byGroup: [String: [StoredRun]] = [:]
        for run in stored {
            let id = [run.record.protocolName, run.record.task, run.record.condition].joined(separator: "\u{1F}")
            if byGroup[id] == nil { order.append(id) }
            byGroup[id, default: []].append(run)
        }
        return order.map { id in
            let runs = byGroup[id]!
            let first = runs[0].record
            let rng = RandomSource(seed: 0, stream: "report/" + id)
            let cell = try? JSONDecoder().decode(ExperimentCell.self, from: Data(runs[0].configJSON.utf8))
            let c = cell?.spec.training.criterion
            let criterion = c.map { "validation \($0.metric.rawValue) \($0.metric == .accuracy ? ">=" : "<=") \(formatNumber($0.threshold))" } ?? "?"
            let present = Set(runs.map(\.record.rule))
            var ruleOrder = (protocols[first.protocolName]?.rules ?? []).filter { present.contains($0) }
            ruleOrder += present.subtracting(ruleOrder).sorted()
            let rules: [RuleSummary] = ruleOrder.map { rule in
                let records = runs.map(\.record).filter { $0.rule == rule }.sorted { $0.seed < $1.seed }
                let kinds = Array(Set(records.flatMap { $0.robustness.map(\.kind) })).sorted()
                return RuleSummary(
                    rule: rule, runs: records,
                    reached: records.filter { $0.status == .reached }.count,
                    diverged: records.filter { $0.status == .diverged }.count,
                    trialsToCriterion: SeedSummary(records.map { Double($0.metrics.trialsToCriterionOrBudget) }),
                    plateau: SeedSummary(records.map { Double($0.metrics.plateauLength) }),
                    plateauCensored: records.filter(\.metrics.plateauCensored).count,
                    escaped: records.filter { $0.metrics.escapeTrial != nil }.count,
                    abruptness: SeedSummary(records.map(\.metrics.abruptness)),
                    finalLossNormalised: SeedSummary(records.map(\.metrics.finalLossNormalised)),
                    areaUnderCurve: SeedSummary(records.map(\.metrics.areaUnderCurve)),
                    finalAccuracy: SeedSummary(records.map(\.metrics.finalAccuracy)),
                    robustnessAreas: kinds.map { kind in
                        (kind, SeedSummary(records.map { $0.robustness.first { $0.kind == kind }?.area ?? .nan }))
                    })
            }
            var comparisons: [PairedComparison] = []
            if let baseline = rules.first {
                for other in rules.dropFirst() {
                    var measures = measures
                    for (kind, _) in other.robustnessAreas {
                        measures.append(("area \(kind)", { run in run.robustness.first { $0.kind == kind }?.area ?? .nan }))
                    }
                    for (name, value) in measures {
                        comparisons.append(PairedComparison(
                            rule: other.rule, baseline: baseline.rule, measure: name,
                            ruleValues: values(other.runs, value), baselineValues: values(baseline.runs, value),
                            rng: rng.child("compare/\(other.rule)/\(name)")))
                    }
                }
            }
            var settings: [String: ResolvedConfiguration] = [:]
            for run in runs where settings[run.record.rule] == nil { settings[run.record.rule] = run.settings }
            return GroupSummary(
                protocolName: first.protocolName, task: first.task, condition: first.condition,
                budget: runs.map(\.record.metrics.budget).max() ?? 0, criterion: criterion, rules: rules, comparisons: comparisons,
                settings: settings)
        }
    }

    /// The per-rule table: one row per rule, median [95% CI] across seeds.
    public var ruleTable: (header: [String], rows: [[String]]) {
        let kinds = Array(Set(rules.flatMap { $0.robustnessAreas.map(\.kind) })).sorted()
        var header = [
            "rule", "seeds", "reached", "trials to criterion", "plateau", "escaped", "abruptness", "final loss / baseline", "AUC loss",
            "final accuracy",
        ]
        header += kinds.map { "area \($0)" }
        let rows: [[String]] = rules.map { r in
            var row = [
                r.rule, "\(r.runs.count)", "\(r.reached)/\(r.runs.count)" + (r.diverged > 0 ? " (\(r.diverged) diverged)" : ""),
                // Most runs censored: the median itself is only a lower bound.
                (r.reached * 2 <= r.runs.count && r.runs.count > 0 ? "≥ " : "") + r.trialsToCriterion.text(),
                (r.plateauCensored * 2 > r.runs.count ? "≥ " : "") + r.plateau.text(), "\(r.escaped)/\(r.runs.count)",
                r.abruptness.text(digits: 2), r.finalLossNormalised.text(digits: 3), r.areaUnderCurve.text(digits: 4),
                r.finalAccuracy.text(digits: 3),
            ]
            row += kinds.map { kind in r.robustnessAreas.first { $0.kind == kind }?.summary.text(digits: 3) ?? "–" }
            return row
        }
        return (header, rows)
    }

    /// Paired differences against the baseline (the first rule).
    public var comparisonTable: (header: [String], rows: [[String]]) {
        let rows: [[String]] = comparisons.map { c in
            let digits = c.measure == "trials to criterion" ? 0 : 3
            // The interval of the median of the paired differences, with n and its exact coverage.
            return [c.rule, c.measure, "\(c.pairs)", c.difference.text(digits: digits), c.pValue.isFinite ? String(format: "%.3g", c.pValue) : "–"]
        }
        return (["rule", "measure", "pairs", "difference", "p"], rows)
    }

    public var legend: String {
        "Criterion: \(criterion); budget \(budget) trials (censored runs counted at the budget). Median [order-statistic interval of the median] across seeds, with n and the interval's exact coverage (95% needs n ≥ 6; [min, max] below that). Plateau: trials from entering the band around the trivial baseline to the escape (≥: most runs never escaped; censored plateaus count to the end); escaped: runs whose loss ended below half the baseline; abruptness: share of the baseline-to-minimum distance covered in the steepest window of 5% of the budget (runs with a plateau and an escape); final loss / baseline: 1 = no better than the best input-independent output (docs/protocols.md)."
    }

    public var comparisonLegend: String {
        "Paired differences (rule − \(rules.first?.rule ?? "baseline"), same seeds): median [order-statistic interval] with n and coverage, two-sided sign-flip permutation p."
    }

    static func markdownTable(_ table: (header: [String], rows: [[String]])) -> [String] {
        ["| " + table.header.joined(separator: " | ") + " |", "|" + table.header.map { _ in "---" }.joined(separator: "|") + "|"]
            + table.rows.map { "| " + $0.joined(separator: " | ") + " |" }
    }

    /// One plain sentence for each rule that reached the criterion in no run: whether it diverged,
    /// was still learning when the budget ran out (final loss well below the trivial baseline), or
    /// learned nothing measurable — so a table of censored runs is not read as "slow" or "broken".
    public var verdicts: [String] {
        rules.compactMap { r in
            guard r.reached == 0, !r.runs.isEmpty else { return nil }
            let n = r.runs.count, f = r.finalLossNormalised.median
            let head = "\(r.rule): reached the criterion in none of its \(n) runs within \(budget) trials"
            if r.diverged == n { return head + "; every run diverged (docs/protocols.md: NaN/Inf or the divergence bound)." }
            guard f.isFinite else { return head + "." }
            let level = String(format: "%.2f", f)
            if f < 0.9 {
                return head + "; its loss fell to \(level) × the trivial baseline (median), so it was still learning when the budget ran out: it needs a larger budget or a better setting, not a different task."
            }
            return head + "; its final loss is \(level) × the trivial baseline (median): it learned nothing measurable at this setting."
        }
    }

    /// The per-rule table and the paired comparisons, as Markdown.
    public var markdown: String {
        var lines = [legend, ""] + GroupSummary.markdownTable(ruleTable)
        if !verdicts.isEmpty { lines += [""] + verdicts }
        if !comparisons.isEmpty { lines += ["", comparisonLegend, ""] + GroupSummary.markdownTable(comparisonTable) }
        if let table = settingsTable {
            let marked = table.rows.map { row in row.differs ? row.cells.map { "**\($0)**" } : row.cells }
            lines += ["", GroupSummary.settingsLegend, ""] + GroupSummary.markdownTable((table.header, marked))
        }
        return lines.joined(separator: "\n")
    }
}
