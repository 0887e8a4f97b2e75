import Foundation

/// The curriculum section's figures (docs/results-curricula.md): one panel per model and rule, a
/// colour per curriculum, so single-head, multi-head and sliding are compared where they ran side by
/// side. The largest N passed (every seed and the median), the trials each passed N took, tau_net,
/// tau and the dimension against N, forgetting, and the robustness areas. Written by
/// `plasticity report` beside index.html, one SVG file per figure, `curricula-<name>.svg`.
public enum CurriculumPlots {
    /// The rows of one protocol, task, model and rule (one per curriculum kind).
    public struct Group {
        public var title: String
        public var rows: [CurriculumReport.Row]
    }

    public static func groups(_ rows: [CurriculumReport.Row]) -> [Group] {
        var groups: [Group] = []
        for row in rows {
            let title = "\(CurriculumContrast.model(of: row)) · \(row.rule)" + (Set(rows.map(\.task)).count > 1 ? " · \(row.task)" : "")
            if let i = groups.firstIndex(where: { $0.title == title }) { groups[i].rows.append(row) } else { groups.append(Group(title: title, rows: [row])) }
        }
        return groups
    }

    static let kinds: [CurriculumKind] = [.singleHead, .multiHead, .sliding]
    static func color(_ kind: CurriculumKind?) -> String {
        switch kind {
        case .singleHead: return "#d62728"
        case .multiHead: return "#1f77b4"
        case .sliding: return "#2ca02c"
        case nil: return "#7f7f7f"
        }
    }
    static let key = kinds.map { ($0.rawValue, color($0)) }

    static func kind(_ row: CurriculumReport.Row) -> CurriculumKind? { row.results.first?.kind }

    /// x offset of seed k of n around a category (so seeds with equal values stay visible).
    static func jitter(_ k: Int, of n: Int) -> Double { (Double(k) - Double(n - 1) / 2) * min(0.08, 0.6 / Double(max(n, 1))) }

    /// A panel per group with a category per curriculum: every seed's value (open marker where a
    /// seed has none, drawn at `missing`) and the median as a bar.
    static func categorical(_ rows: [CurriculumReport.Row], yLabel: String, missing: Double = 0, yRange: ClosedRange<Double>? = nil,
                            value: (CurriculumResult) -> Double?) -> [SVGPlot] {
        groups(rows).map { group in
            var plot = SVGPlot(title: group.title, xLabel: "curriculum", yLabel: yLabel)
            plot.categories = group.rows.map { kind($0)?.rawValue ?? $0.condition }
            plot.width = 300
            plot.height = 260
            plot.yRange = yRange
            for (i, row) in group.rows.enumerated() {
                var s = SVGPlot.Series(name: row.condition, color: color(kind(row)))
                let values = row.results.map(value)
                for (k, v) in values.enumerated() { s.markers.append((Double(i) + jitter(k, of: values.count), v ?? missing, v == nil)) }
                let present = values.compactMap { $0 }
                if !present.isEmpty {
                    let m = Statistics.median(present)
                    s.points = [(Double(i) - 0.3, m), (Double(i) + 0.3, m)]
                }
                plot.series.append(s)
            }
            return plot
        }
    }

    public static func largestN(_ rows: [CurriculumReport.Row]) -> [SVGPlot] {
        categorical(rows, yLabel: "largest N passed") { Double($0.largestN ?? 0) }
    }

    /// Forgetting: the mean relative stream accuracy on the N before each run's largest (1 = kept, 0 = chance).
    public static func forgetting(_ rows: [CurriculumReport.Row]) -> [SVGPlot] {
        categorical(rows, yLabel: "relative accuracy, earlier N", missing: 0, value: CurriculumReport.relativeAccuracyOnEarlierN).map { plot in
            var p = plot
            p.reference = (1, "kept")
            return p
        }
    }

    /// Robustness: a panel per group, a category per analysis, each curriculum's seeds and median.
    public static func robustness(_ rows: [CurriculumReport.Row]) -> [SVGPlot] {
        groups(rows).compactMap { group in
            var analyses: [String] = []
            for row in group.rows { for curves in row.robustness { for c in curves where !analyses.contains(c.kind) { analyses.append(c.kind) } } }
            guard !analyses.isEmpty else { return nil }
            var plot = SVGPlot(title: group.title, xLabel: "analysis", yLabel: "area (1 = no loss)")
            plot.categories = analyses
            plot.width = max(300, 100 * Double(analyses.count) + 80)
            plot.height = 260
            plot.yRange = 0.4...1
            for (r, row) in group.rows.enumerated() {
                var s = SVGPlot.Series(name: row.condition, color: color(kind(row)))
                for (a, analysis) in analyses.enumerated() {
                    let areas = row.robustness.compactMap { $0.first { $0.kind == analysis }?.area }
                    let x = Double(a) + 0.22 * (Double(r) - Double(group.rows.count - 1) / 2)
                    for (k, area) in areas.enumerated() { s.markers.append((x + 0.5 * jitter(k, of: areas.count), area, false)) }
                }
                s.markerRadius = 2.5
                plot.series.append(s)
                // The median bars drawn as separate two-point lines (one series per analysis).
                for (a, analysis) in analyses.enumerated() {
                    let areas = row.robustness.compactMap { $0.first { $0.kind == analysis }?.area }
                    guard !areas.isEmpty else { continue }
                    let x = Double(a) + 0.22 * (Double(r) - Double(group.rows.count - 1) / 2)
                    var bar = SVGPlot.Series(name: row.condition, color: color(kind(row)))
                    bar.points = [(x - 0.1, Statistics.median(areas)), (x + 0.1, Statistics.median(areas))]
                    bar.inLegend = false
                    plot.series.append(bar)
                }
            }
            return plot
        }
    }

    /// A panel per group, a line per curriculum against N: the median over seeds of `value` at each
    /// passed N listed when at least half the seeds passed it (as in the timescales table).
    static func againstN(_ rows: [CurriculumReport.Row], yLabel: String, value: ([CurriculumStageMeasures]) -> Double?) -> [SVGPlot] {
        groups(rows).compactMap { group in
            var plot = SVGPlot(title: group.title, xLabel: "N (newest passed)", yLabel: yLabel)
            plot.width = 300
            plot.height = 260
            for row in group.rows {
                var s = SVGPlot.Series(name: kind(row)?.rawValue ?? row.condition, color: color(kind(row)))
                s.inLegend = false
                s.markerRadius = 3
                for (n, at) in CurriculumReport.measuredStages(row) {
                    guard let v = value(at), v.isFinite else { continue }
                    s.points.append((Double(n), v))
                    s.markers.append((Double(n), v, false))
                }
                if !s.points.isEmpty { plot.series.append(s) }
            }
            return plot.series.isEmpty ? nil : plot
        }
    }

    public static func tauNet(_ rows: [CurriculumReport.Row]) -> [SVGPlot] {
        againstN(rows, yLabel: "tau_net (steps)") { Statistics.median($0.map(\.tauNetQuartiles.median)) }
    }

    public static func tau(_ rows: [CurriculumReport.Row]) -> [SVGPlot] {
        againstN(rows, yLabel: "tau (steps)") { at in
            let tau = at.compactMap { $0.tauQuartiles?.median }
            return tau.isEmpty ? nil : Statistics.median(tau)
        }
    }

    public static func dimension(_ rows: [CurriculumReport.Row]) -> [SVGPlot] {
        againstN(rows, yLabel: "PCs for 90% of variance") { Statistics.median($0.map(\.dimension)) }
    }

    /// Trials spent on each passed N: the median over the seeds that passed it (open markers: fewer than half did).
    public static func trialsPerN(_ rows: [CurriculumReport.Row]) -> [SVGPlot] {
        groups(rows).compactMap { group in
            var plot = SVGPlot(title: group.title, xLabel: "N", yLabel: "trials")
            plot.width = 300
            plot.height = 260
            for row in group.rows {
                var s = SVGPlot.Series(name: kind(row)?.rawValue ?? row.condition, color: color(kind(row)))
                s.inLegend = false
                s.markerRadius = 3
                let ns = Set(row.results.flatMap { $0.stages.filter(\.passed).map(\.largestN) }).sorted()
                for n in ns {
                    let t = row.results.compactMap { $0.stages.first { $0.largestN == n && $0.passed }.map { Double($0.trials) } }
                    guard !t.isEmpty else { continue }
                    s.points.append((Double(n), Statistics.median(t)))
                    s.markers.append((Double(n), Statistics.median(t), 2 * t.count < row.results.count))
                }
                if !s.points.isEmpty { plot.series.append(s) }
            }
            return plot.series.isEmpty ? nil : plot
        }
    }

    /// Every figure by file name (without `curricula-` and `.svg`) with its title, in report order.
    public static func all(_ rows: [CurriculumReport.Row]) -> [(name: String, figure: SVGGrid)] {
        let figures: [(String, String, [SVGPlot])] = [
            ("largest-n", "Largest N passed (each seed; bar: median)", largestN(rows)),
            ("trials-per-n", "Trials spent on each passed N (median over the seeds that passed it; open: fewer than half)", trialsPerN(rows)),
            ("tau-net", "tau_net against N (median over neurons, then over seeds)", tauNet(rows)),
            ("tau", "Single-neuron tau against N (leaky RNN)", tau(rows)),
            ("dimension", "Dimension against N (principal components for 90% of the variance)", dimension(rows)),
            ("forgetting", "Relative stream accuracy on earlier N (1 = nothing forgotten, 0 = chance)", forgetting(rows)),
            ("robustness", "Robustness areas on the largest-N head (each seed; bar: median)", robustness(rows)),
        ]
        return figures.filter { !$0.2.isEmpty }.map { name, title, panels in
            var grid = SVGGrid(title: title, panels: panels, columns: 3)
            grid.key = key
            return (name, grid)
        }
    }
}
