import Foundation

extension SweepChoice {
    /// The choice for every (task, condition, rule) of `experiment`'s `[sweep]` from its stored
    /// selection runs; nil while any selection cell is missing (the choice must see every seed).
    public static func make(for experiment: ExperimentProtocol, runs: [StoredRun]) -> [SweepChoice]? {
        guard let sweep = experiment.sweep else { return [] }
        let byKey = Dictionary(runs.map { ($0.key, $0.record) }, uniquingKeysWith: { first, _ in first })
        var grouped: [String: [(SweepPlan.Setting, RunRecord)]] = [:]
        for (cell, condition, setting) in experiment.taggedSelectionCells {
            guard let record = byKey[cell.key], let setting else { return nil }
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

    /// The Markdown table of a sweep's choices: one row per (task, condition, rule), each setting's
    /// median trials to criterion (reached/runs), the chosen one in bold.
    public static func markdown(_ choices: [SweepChoice], plan: SweepPlan, evaluationSeeds: [UInt64]) -> String {
        guard let first = choices.first else { return "" }
        let settings = first.scores.map(\.setting)
        var lines = [
            "Each rule's optimiser setting was selected per task and condition on selection seeds "
                + plan.selectionSeeds.map(String.init).joined(separator: ", ")
                + " (lowest median trials to criterion, censored at the budget, diverged counted as twice the budget;"
                + " ties broken by the lowest median mean loss) and reported on the separate seeds "
                + evaluationSeeds.map(String.init).joined(separator: ", ") + ".",
            "",
            "| task | condition | rule | " + settings.map(\.label).joined(separator: " | ") + " | chosen |",
            "|" + String(repeating: "---|", count: settings.count + 4),
        ]
        for c in choices {
            let cells = c.scores.map { s -> String in
                let text = (s.medianTrials.isFinite ? formatNumber(s.medianTrials) : "–") + " (\(s.reached)/\(s.runs))"
                return s.setting == c.chosen ? "**\(text)**" : text
            }
            lines.append("| \(c.task) | \(c.condition.isEmpty ? "–" : c.condition) | \(c.rule) | " + cells.joined(separator: " | ") + " | \(c.chosen.label) |")
        }
        return lines.joined(separator: "\n")
    }
}
