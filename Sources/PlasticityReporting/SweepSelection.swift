import Foundation

extension SweepChoice {
    /// The choice for every (task, condition, rule) of `experiment`'s `[sweep]` from its stored
    /// selection runs; nil while any selection cell is missing (the choice must see every seed).
    public static func make(for experiment: ExperimentProtocol, runs: [StoredRun]) -> [SweepChoice]? {
        guard let sweep = experiment.sweep else { return [] }
        let byKey = Dictionary(runs.map { ($0.key, $0.record) }, uniquingKeysWith: { first, _ in first })
        var grouped: [String: [(SweepPlan.Setting, RunRecord)]] = [:]
        for (cell, condition, setting) in experiment.taggedSelectionCells {
            guard let record = byKey[cell.key] else { return nil }
            grouped[key(task: cell.spec.task, condition: condition, rule: cell.spec.rule), default: []].append((setting, record))
        }
        var choices: [SweepChoice] = []
        for task in experiment.tasks {
            for condition in experiment.conditions {
                for rule in experiment.rules {
                    let runs = grouped[key(task: task, condition: condition.label, rule: rule)] ?? []
                    choices.append(choose(task: task, condition: condition.label, rule: rule, runs: runs, grid: sweep.settings))
                }
            }
        }
        return choices
    }

    /// How the settings were chosen, for the report's sweep section.
    public static func legend(plan: SweepPlan, evaluationSeeds: [UInt64]) -> String {
        "Each rule's optimiser setting was selected per task and condition on selection seeds "
            + plan.selectionSeeds.map(String.init).joined(separator: ", ")
            + " (lowest median trials to criterion, censored at the budget, diverged counted as twice the budget;"
            + " ties broken by the lowest median mean loss) and reported on the separate seeds "
            + evaluationSeeds.map(String.init).joined(separator: ", ") + "."
    }

    /// One row per (task, condition, rule): each setting's median trials to criterion (reached/runs)
    /// and the chosen setting.
    public static func table(_ choices: [SweepChoice]) -> (header: [String], rows: [[String]]) {
        let settings = choices.first?.scores.map(\.setting) ?? []
        let rows = choices.map { c in
            [c.task, c.condition.isEmpty ? "–" : c.condition, c.rule]
                + c.scores.map { s in (s.medianTrials.isFinite ? formatNumber(s.medianTrials) : "–") + " (\(s.reached)/\(s.runs))" }
                + [c.chosen.label]
        }
        return (["task", "condition", "rule"] + settings.map(\.label) + ["chosen"], rows)
    }
}

/// The report's section for one protocol's `[sweep]`: how the settings were chosen and the table.
public struct SweepSection {
    public var title: String
    public var legend: String
    public var table: (header: [String], rows: [[String]])

    public var markdown: String { ([legend, ""] + GroupSummary.markdownTable(table)).joined(separator: "\n") }
}
