import Foundation

/// The report's geometry part, for groups whose runs have a geometry analysis: per rule the loss
/// with the headline GR events marked, the structure (stable fixed points, stable cycles,
/// participation ratio) through training, the final network's fixed-point picture for one seed, and
/// the GR-to-escape timing across seeds with its permutation test.
extension Report {
    static func geometryRuns(_ r: RuleSummary) -> [RunRecord] { r.runs.filter { $0.geometry != nil } }

    /// Seeds drawn per plot: each seed's events are vertical lines, and with a dozen seeds they hide
    /// the curves (the lag table covers every seed).
    public static let seedsPerGeometryPlot = 4

    static func plottedRuns(_ r: RuleSummary) -> (runs: [RunRecord], note: String) {
        let all = geometryRuns(r), shown = Array(all.prefix(seedsPerGeometryPlot))
        guard all.count > shown.count, let first = shown.first, let last = shown.last else { return (shown, "") }
        return (shown, " (seeds \(first.seed)–\(last.seed) of \(all.count))")
    }

    /// Headline events of a run (the kinds its detector's timing uses).
    static func headlineEvents(_ g: GeometryResult) -> [GREvent] { g.events.filter { $0.involves(g.detector.headline) } }

    /// Validation loss per seed (the first `seedsPerGeometryPlot`) with each headline GR event as a
    /// dashed vertical line in the seed's colour and the escape as a dot.
    public static func lossWithEvents(_ r: RuleSummary) -> SVGPlot {
        let (runs, note) = plottedRuns(r)
        var plot = SVGPlot(title: "\(r.rule): loss and GR events" + note, xLabel: "trials", yLabel: "validation loss")
        for (i, run) in runs.enumerated() {
            var s = SVGPlot.Series(name: "seed \(run.seed)", color: color(i))
            s.points = run.result.curve.filter { $0.validationLoss.isFinite }.map { (Double($0.trials), $0.validationLoss) }
            if let escape = GREventTiming.escapeTrial(run.metrics) {
                s.markers = [(Double(escape), value(run.result.curve, at: escape), false)]
            }
            plot.series.append(s)
            plot.verticals += headlineEvents(run.geometry!).map { (Double($0.trials), color(i)) }
        }
        let all = plot.series.flatMap { $0.points.map(\.y) }
        plot.logY = !all.isEmpty && all.allSatisfy { $0 > 0 }
        plot.reference = Report.baselineLine(runs)
        return plot
    }

    /// One snapshot measure per seed (the first `seedsPerGeometryPlot`) through training (stable fixed
    /// points, stable cycles, participation ratio); snapshots without the measure (nil) are left out.
    public static func structure(_ r: RuleSummary, title: String, yLabel: String, _ measure: (GeometrySnapshot) -> Double?) -> SVGPlot {
        let (runs, note) = plottedRuns(r)
        var plot = SVGPlot(title: "\(r.rule): \(title)" + note, xLabel: "trials", yLabel: yLabel)
        for (i, run) in runs.enumerated() {
            var s = SVGPlot.Series(name: "seed \(run.seed)", color: color(i))
            s.points = run.geometry!.snapshots.compactMap { snap in measure(snap).map { (Double(snap.trials), $0) } }
            if s.points.count == 1 { s.markers = s.points.map { ($0.x, $0.y, false) } }
            plot.series.append(s)
            plot.verticals += headlineEvents(run.geometry!).map { (Double($0.trials), color(i)) }
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

    /// Per rule: runs with geometry and with an escape; persistent events per run (all kinds and the
    /// headline kinds); runs with a headline event strictly before the escape's snapshot interval and
    /// the lag of the last one (median [95% CI]); runs with a headline event in the window just before
    /// the escape against the number expected by chance, and the permutation p (`GREventTiming`).
    public static func lagTable(_ g: GroupSummary) -> (header: [String], rows: [[String]]) {
        let header = ["rule", "runs", "escaped", "GR events per run", "headline events per run", "event precedes escape",
                      "lag (trials)", "event in window before escape", "expected by chance", "permutation p"]
        let rows: [[String]] = g.rules.compactMap { r in
            let runs = geometryRuns(r)
            guard !runs.isEmpty else { return nil }
            let timings = runs.compactMap { $0.geometry!.timing }
            let preceding = timings.compactMap(\.lag)
            let test = GREventTiming.precedenceTest(timings)
            return [
                r.rule, "\(runs.count)", "\(timings.count)/\(runs.count)",
                SeedSummary(runs.map { Double($0.geometry!.events.count) }).text(),
                SeedSummary(runs.map { Double(headlineEvents($0.geometry!).count) }).text(),
                "\(preceding.count)/\(timings.count)",
                SeedSummary(preceding.map(Double.init)).text(),
                "\(test.leading)/\(test.runs)", String(format: "%.1f", test.expected),
                test.runs == 0 ? "–" : String(format: "%.2g", test.p),
            ]
        }
        return (header, rows)
    }

    /// The headline kinds, lead window and persistence of a group's runs (the first run's; a protocol has one).
    static func detector(_ g: GroupSummary) -> GRDetectorConfig {
        g.rules.lazy.flatMap { geometryRuns($0) }.first?.geometry?.detector ?? GRDetectorConfig()
    }

    public static func geometryLegend(_ d: GRDetectorConfig) -> String {
        let kinds = d.headline.map(\.rawValue).joined(separator: ", ")
        return """
            Geometric restructuring: a GR event is a change, between snapshots, in the number of stable fixed \
            points, unstable fixed points or stable cycles, or a jump of the participation ratio, that lasts \
            \(d.persistence) snapshots. Headline events (\(kinds); dashed lines) are the ones timed against the escape \
            (the dot). An event precedes the escape when it is seen strictly before the snapshot interval that \
            contains the escape; lag = escape trial − trial of the last such event. Window: the \(d.leadWindow) \
            snapshot intervals before the escape's. Expected by chance and p: each run's headline events placed \
            uniformly at random among its snapshot times (exact one-sided permutation p over runs). \
            Median [order-statistic interval of the median] (n, exact coverage).
            """
    }

    static func hasGeometry(_ g: GroupSummary) -> Bool { g.rules.contains { !geometryRuns($0).isEmpty } }

    /// The HTML of a group's geometry part ("" when no run has a geometry analysis).
    public static func geometryHTML(_ g: GroupSummary) -> String {
        guard hasGeometry(g) else { return "" }
        var parts = ["<h3>Geometric restructuring</h3>", "<p class=\"legend\">\(escape(geometryLegend(detector(g))))</p>", htmlTable(lagTable(g))]
        for r in g.rules {
            let runs = geometryRuns(r)
            guard let first = runs.first else { continue }
            let charts = [
                lossWithEvents(r),
                structure(r, title: "stable fixed points", yLabel: "stable fixed points") { Double($0.stableFixedPoints) },
                structure(r, title: "stable cycles", yLabel: "stable cycles (period >= 2)") { $0.cycles.map { Double($0.stable) } },
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
        return ["", geometryLegend(detector(g)), ""] + GroupSummary.markdownTable(lagTable(g))
    }
}
