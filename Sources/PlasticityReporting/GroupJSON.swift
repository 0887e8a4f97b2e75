import Foundation

/// A report group as JSON (`compare --json`): snake_case keys, every key present, non-finite
/// numbers as null (docs/outputs.md has a typed example).
public struct GroupJSON: Encodable {
    public struct Measure: Encodable {
        var median: Double?, low: Double?, high: Double?, n: Int, coverage: Double?
        init(_ s: SeedSummary) {
            func finite(_ x: Double) -> Double? { x.isFinite ? x : nil }
            (median, low, high, n, coverage) = (finite(s.median), finite(s.low), finite(s.high), s.count, finite(s.coverage))
        }
        enum CodingKeys: String, CodingKey { case median, low, high, n, coverage }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(median, forKey: .median)
            try c.encode(low, forKey: .low)
            try c.encode(high, forKey: .high)
            try c.encode(n, forKey: .n)
            try c.encode(coverage, forKey: .coverage)
        }
    }

    public struct Rule: Encodable {
        var rule: String, seeds: [UInt64], reached: Int, diverged: Int
        var trialsToCriterion: Measure, finalAccuracy: Measure, finalLossNormalised: Measure, auc: Measure
        var settings: ResolvedConfiguration?
        enum CodingKeys: String, CodingKey {
            case rule, seeds, reached, diverged, settings
            case trialsToCriterion = "trials_to_criterion", finalAccuracy = "final_accuracy"
            case finalLossNormalised = "final_loss_normalised", auc = "auc_loss"
        }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(rule, forKey: .rule)
            try c.encode(seeds, forKey: .seeds)
            try c.encode(reached, forKey: .reached)
            try c.encode(diverged, forKey: .diverged)
            try c.encode(trialsToCriterion, forKey: .trialsToCriterion)
            try c.encode(finalAccuracy, forKey: .finalAccuracy)
            try c.encode(finalLossNormalised, forKey: .finalLossNormalised)
            try c.encode(auc, forKey: .auc)
            try c.encode(settings, forKey: .settings)
        }
    }

    public struct Comparison: Encodable {
        var rule: String, baseline: String, measure: String, pairs: Int, difference: Measure, p: Double?
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(rule, forKey: .rule)
            try c.encode(baseline, forKey: .baseline)
            try c.encode(measure, forKey: .measure)
            try c.encode(pairs, forKey: .pairs)
            try c.encode(difference, forKey: .difference)
            try c.encode(p, forKey: .p)
        }
        enum CodingKeys: String, CodingKey { case rule, baseline, measure, pairs, difference, p }
    }

    var protocolName: String, task: String, condition: String, budget: Int, criterion: String
    var rules: [Rule], comparisons: [Comparison]

    enum CodingKeys: String, CodingKey {
        case task, condition, budget, criterion, rules, comparisons
        case protocolName = "protocol"
    }

    /// The unnamed condition is `default`, as in the CSV export.
    public init(_ g: GroupSummary) {
        protocolName = g.protocolName
        task = g.task
        condition = g.condition.isEmpty ? "default" : g.condition
        budget = g.budget
        criterion = g.criterion
        rules = g.rules.map { r in
            Rule(
                rule: r.rule, seeds: r.runs.map(\.seed), reached: r.reached, diverged: r.diverged,
                trialsToCriterion: Measure(r.trialsToCriterion), finalAccuracy: Measure(r.finalAccuracy),
                finalLossNormalised: Measure(r.finalLossNormalised), auc: Measure(r.areaUnderCurve), settings: g.settings[r.rule])
        }
        comparisons = g.comparisons.map {
            Comparison(
                rule: $0.rule, baseline: $0.baseline, measure: $0.measure, pairs: $0.pairs, difference: Measure($0.difference),
                p: $0.pValue.isFinite ? $0.pValue : nil)
        }
    }

    /// `{"groups": [...], "results_file": path or null}`, sorted keys.
    public static func json(_ groups: [GroupSummary], resultsFile: String?) throws -> String {
        struct Document: Encodable {
            var groups: [GroupJSON]
            var resultsFile: String?
            enum CodingKeys: String, CodingKey { case groups, resultsFile = "results_file" }
            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(groups, forKey: .groups)
                try c.encode(resultsFile, forKey: .resultsFile)
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(Document(groups: groups.map(GroupJSON.init), resultsFile: resultsFile)), as: UTF8.self)
    }
}

extension GroupSummary {
    /// The short table `run` prints at the end: per rule, seeds, reached and median trials to criterion.
    public var shortTable: String {
        var lines = [title]
        let header = ["rule", "seeds", "reached", "trials to criterion", "final accuracy"]
        let rows = rules.map { r in
            [r.rule, "\(r.runs.count)", "\(r.reached)/\(r.runs.count)",
             (r.reached * 2 <= r.runs.count && r.runs.count > 0 ? "≥ " : "") + r.trialsToCriterion.text(),
             r.finalAccuracy.text(digits: 3)]
        }
        lines += GroupSummary.markdownTable((header, rows))
        return lines.joined(separator: "\n")
    }
}
