import Foundation

extension Report {
    /// Robustness kinds whose accuracy at every level the summary tabulates (the others are read
    /// from their plots and areas): the integration curve, where each level is a distinct method.
    static let levelTableKinds = ["integration"]

    /// "Integrated as an ODE": per rule, the median accuracy across seeds [min, max] at each level.
    public static func robustnessLevelsMarkdown(_ g: GroupSummary) -> [String] {
        var lines: [String] = []
        for kind in levelTableKinds {
            let curves = g.rules.map { r in (r.rule, r.runs.compactMap { $0.robustness.first { $0.kind == kind } }) }
            guard let levels = curves.lazy.compactMap({ $0.1.first?.levels }).first else { continue }
            let header = ["rule", "runs"] + levels.map { level in kind == "integration" ? (level == 0 ? "adaptive ODE" : "dt \(formatNumber(level))") : formatNumber(level) }
            var rows: [[String]] = []
            for (rule, runs) in curves where !runs.isEmpty {
                var row = [rule, "\(runs.count)"]
                for j in levels.indices {
                    let values = runs.compactMap { $0.accuracy.count > j ? $0.accuracy[j] : nil }.filter(\.isFinite)
                    row.append(values.isEmpty ? "–" : String(format: "%.3f [%.3f, %.3f]", Statistics.median(values), values.min()!, values.max()!))
                }
                rows.append(row)
            }
            let title = kind == "integration"
                ? "Accuracy when the trained map is integrated as an ODE: forward Euler at dt (dt 1 = the map itself) and GSL's adaptive solver; median across seeds [min, max]."
                : "Accuracy at each level of \(kind): median across seeds [min, max]."
            lines += ["", title, ""] + GroupSummary.markdownTable((header: header, rows: rows))
        }
        return lines
    }
}
