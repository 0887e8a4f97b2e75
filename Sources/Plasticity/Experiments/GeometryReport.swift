import Foundation

/// The report's geometry part, for groups whose runs have a geometry analysis: per rule the loss
/// with GR events marked, the structure (stable fixed points, participation ratio) through training,
/// the final network's fixed-point picture for one seed, and the GR-to-drop lags across seeds.
extension Report {
    /// A run "plateaus then drops" (ours, docs/protocols.md): its loss stays within 10% of the initial
    /// loss for at least one evaluation (plateau length > 0) and then falls abruptly: at least a
    /// quarter of the whole loss range within one evaluation interval.
    public static func plateauThenDrop(_ m: LearningMetrics) -> Bool {
        m.plateauLength > 0 && m.trialOfLargestDrop != nil && m.abruptness >= 0.25
    }

    static func geometryRuns(_ r: RuleSummary) -> [RunRecord] { r.runs.filter { $0.geometry != nil } }

    /// Seeds drawn per plot: each seed's events are vertical lines, and with a dozen seeds they hide
    /// the curves (the lag table covers every seed).
    public static let seedsPerGeometryPlot = 4

    static func plottedRuns(_ r: RuleSummary) -> (runs: [RunRecord], note: String) {
        let all = geometryRuns(r), shown = Array(all.prefix(seedsPerGeometryPlot))
        guard all.count > shown.count, let first = shown.first, let last = shown.last else { return (shown, "") }
        return (shown, " (seeds \(first.seed)–\(last.seed) of \(all.count))")
    }

    /// Validation loss per seed (the first `seedsPerGeometryPlot`) with each GR event as a dashed vertical line in the seed's colour
    /// and the largest drop as a dot.
    public static func lossWithEvents(_ r: RuleSummary) -> SVGPlot {
        let (runs, note) = plottedRuns(r)
        var plot = SVGPlot(title: "\(r.rule): loss and GR events" + note, xLabel: "trials", yLabel: "validation loss")
        for (i, run) in runs.enumerated() {
            var s = SVGPlot.Series(name: "seed \(run.seed)", color: color(i))
            s.points = run.result.curve.filter { $0.validationLoss.isFinite }.map { (Double($0.trials), $0.validationLoss) }
            if let drop = run.metrics.trialOfLargestDrop {
                s.markers = [(Double(drop), value(run.result.curve, at: drop), false)]
            }
            plot.series.append(s)
            plot.verticals += run.geometry!.events.map { (Double($0.trials), color(i)) }
        }
        let all = plot.series.flatMap { $0.points.map(\.y) }
        plot.logY = !all.isEmpty && all.allSatisfy { $0 > 0 }
        plot.reference = Report.baselineLine(runs)
        return plot
    }

    /// One snapshot measure per seed (the first `seedsPerGeometryPlot`) through training (stable fixed points, participation ratio).
    public static func structure(_ r: RuleSummary, title: String, yLabel: String, _ measure: (GeometrySnapshot) -> Double) -> SVGPlot {
        let (runs, note) = plottedRuns(r)
        var plot = SVGPlot(title: "\(r.rule): \(title)" + note, xLabel: "trials", yLabel: yLabel)
        for (i, run) in runs.enumerated() {
            var s = SVGPlot.Series(name: "seed \(run.seed)", color: color(i))
            s.points = run.geometry!.snapshots.map { (Double($0.trials), measure($0)) }
            if s.points.count == 1 { s.markers = s.points.map { ($0.x, $0.y, false) } }
            plot.series.append(s)
            plot.verticals += run.geometry!.events.map { (Double($0.trials), color(i)) }
        }
        return plot
    }

    /// The final network of one run on PC1–PC2 of its probe states: probe trials as light lines,
    /// stable fixed points filled, unstable ones open, slow points small and grey.
    public static func fixedPointPicture(_ run: RunRecord) -> SVGPlot {
        var plot = SVGPlot(title: "\(run.rule), seed \(run.seed): final fixed points", xLabel: "PC 1", yLabel: "PC 2")
        guard let g = run.geometry else { return plot }
        for path in g.paths {
            var s = SVGPlot.Series(name: "probe trials", color: "#9aa5b1")
            s.points = zip(path.pc1, path.pc2).map { ($0, $1) }
            s.lineWidth = 0.8
            s.opacity = 0.5
            s.inLegend = false
            plot.series.append(s)
        }
        for (kind, color, open) in [(ProjectedFixedPoint.Kind.slow, "#7f7f7f", true), (.unstable, "#d62728", true), (.stable, "#1f1f1f", false)] {
            var s = SVGPlot.Series(name: "\(kind.rawValue) (\(g.finalPoints.filter { $0.kind == kind }.count))", color: color)
            s.markers = g.finalPoints.filter { $0.kind == kind }.map { ($0.pc1, $0.pc2, open) }
            if kind == .slow { s.markerRadius = 2.5 }
            plot.series.append(s)
        }
        return plot
    }

    /// Per rule: runs with geometry, how many plateau then drop, how many have a GR event at or before
    /// the drop, and across those the event trial, the drop trial and the lag (median [95% CI]).
    public static func lagTable(_ g: GroupSummary) -> (header: [String], rows: [[String]]) {
        let header = ["rule", "runs", "plateau then drop", "GR events per run", "GR event precedes drop",
                      "GR event trial", "drop trial", "lag (trials)"]
        let rng = RandomSource(seed: 0, stream: "report/geometry/\(g.title)")
        let rows: [[String]] = g.rules.compactMap { r in
            let runs = geometryRuns(r)
            guard !runs.isEmpty else { return nil }
            let leading = runs.filter { $0.geometry!.lag != nil }
            let withDrop = runs.filter { $0.metrics.trialOfLargestDrop != nil }
            let s = rng.child(r.rule)
            return [
                r.rule, "\(runs.count)", "\(runs.filter { plateauThenDrop($0.metrics) }.count)/\(runs.count)",
                SeedSummary(runs.map { Double($0.geometry!.events.count) }, rng: s.child("events")).text(),
                "\(leading.count)/\(withDrop.count)",
                SeedSummary(leading.map { Double($0.geometry!.eventTrial!) }, rng: s.child("event")).text(),
                SeedSummary(withDrop.map { Double($0.metrics.trialOfLargestDrop!) }, rng: s.child("drop")).text(),
                SeedSummary(leading.map { Double($0.geometry!.lag!) }, rng: s.child("lag")).text(),
            ]
        }
        return (header, rows)
    }

    public static let geometryLegend = """
        Geometric restructuring: a GR event is a change in the number of stable or unstable fixed points, \
        or a participation-ratio jump, between consecutive snapshots (dashed lines); the dot marks the \
        largest loss drop. Lag = drop trial − trial of the last GR event at or before it (runs where one \
        precedes the drop). Plateau then drop: plateau length > 0 and abruptness ≥ 0.25. Median [bootstrap 95% CI].
        """

    static func hasGeometry(_ g: GroupSummary) -> Bool { g.rules.contains { !geometryRuns($0).isEmpty } }

    /// The HTML of a group's geometry part ("" when no run has a geometry analysis).
    public static func geometryHTML(_ g: GroupSummary) -> String {
        guard hasGeometry(g) else { return "" }
        var parts = ["<h3>Geometric restructuring</h3>", "<p class=\"legend\">\(escape(geometryLegend))</p>", htmlTable(lagTable(g))]
        for r in g.rules {
            let runs = geometryRuns(r)
            guard let first = runs.first else { continue }
            let charts = [
                lossWithEvents(r),
                structure(r, title: "stable fixed points", yLabel: "stable fixed points") { Double($0.stableFixedPoints) },
                structure(r, title: "participation ratio", yLabel: "participation ratio") { $0.participationRatio },
                fixedPointPicture(first),
            ]
            parts.append("<div class=\"charts\">" + charts.map { "<figure>\($0.render())</figure>" }.joined(separator: "\n") + "</div>")
        }
        return parts.joined(separator: "\n")
    }

    /// The lag table as Markdown (no lines when no run has a geometry analysis).
    public static func geometryMarkdown(_ g: GroupSummary) -> [String] {
        guard hasGeometry(g) else { return [] }
        return ["", geometryLegend, ""] + GroupSummary.markdownTable(lagTable(g))
    }
}
