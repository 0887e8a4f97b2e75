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
    /// stable fixed points filled, unstable ones open (orange when stable as equilibria of the ODE),
    /// slow points small and grey.
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
        let groups: [(name: String, color: String, open: Bool, small: Bool, members: (ProjectedFixedPoint) -> Bool)] = [
            ("slow", "#7f7f7f", true, true, { $0.kind == .slow }),
            ("unstable", "#d62728", true, false, { $0.kind == .unstable && !$0.isStableOnlyUnderODE }),
            ("map-unstable, ODE-stable", "#ff7f0e", true, false, { $0.isStableOnlyUnderODE }),
            ("stable", "#1f1f1f", false, false, { $0.kind == .stable }),
        ]
        for group in groups {
            let members = g.finalPoints.filter(group.members)
            if group.name == "map-unstable, ODE-stable" && members.isEmpty { continue }
            var s = SVGPlot.Series(name: "\(group.name) (\(members.count))", color: group.color)
            s.markers = members.map { ($0.pc1, $0.pc2, group.open) }
            if group.small { s.markerRadius = 2.5 }
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

    /// Runs whose snapshots carry the ODE counts (files written before `v7-fixed-point-ode` have none).
    static func odeRuns(_ r: RuleSummary) -> [RunRecord] {
        geometryRuns(r).filter { $0.geometry!.snapshots.last?.ode != nil }
    }

    /// Per rule, the final networks' fixed points (each run's last snapshot, summed over runs) as points
    /// of the map and as equilibria of the ODE dh/dt = F(h) - h: stable under each, stable only under
    /// the ODE (the map's unit Euler step overshoots, e.g. an eigenvalue -1.5), the largest ODE residual
    /// ||F(h) - h||₂, and the snapshots through training with such a disagreement.
    public static func odeTable(_ g: GroupSummary) -> (header: [String], rows: [[String]]) {
        let header = ["rule", "runs", "fixed points", "stable as map (ρ(J) < 1)", "stable as ODE (Re λ(J − I) < 0)",
                      "map-unstable, ODE-stable", "largest ODE residual", "snapshots with disagreement"]
        let rows: [[String]] = g.rules.compactMap { r in
            let runs = odeRuns(r)
            guard !runs.isEmpty else { return nil }
            let finals = runs.map { $0.geometry!.snapshots.last! }
            let all = runs.flatMap { $0.geometry!.snapshots.filter { $0.ode != nil } }
            let disagreeing = finals.filter { $0.ode!.disagreements > 0 }.count
            return [
                r.rule, "\(runs.count)",
                "\(finals.reduce(0) { $0 + $1.stableFixedPoints + $1.unstableFixedPoints })",
                "\(finals.reduce(0) { $0 + $1.stableFixedPoints })",
                "\(finals.reduce(0) { $0 + $1.ode!.stableFixedPoints })",
                "\(finals.reduce(0) { $0 + $1.ode!.disagreements }) (\(disagreeing)/\(runs.count) runs)",
                String(format: "%.1e", finals.map { $0.ode!.largestResidual }.max() ?? 0),
                "\(all.filter { $0.ode!.disagreements > 0 }.count)/\(all.count)",
            ]
        }
        return (header, rows)
    }

    static let odeLegend = """
        Fixed points as equilibria of the ODE: every network here is a map h ↦ F(h), the unit forward-Euler \
        step of dh/dt = F(h) − h (leaky RNN: tau ⊙ dh/dt = −h + f(W h + b), input 0), so its fixed points are \
        the ODE's equilibria; residual = ||F(h) − h||₂ at the point found. Stable as map: spectral radius ρ(J) < 1, every eigenvalue λ of \
        the map's Jacobian J has |λ| < 1; as ODE: every eigenvalue of J − I has real part < 0 (Re λ < 1). The \
        first implies the second; a point stable only as ODE (e.g. λ = −1.5) is an attractor of the ODE that \
        the unit step overshoots. Final networks summed over runs; snapshots: all snapshots through training.
        """

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
        let ode = odeTable(g)
        if !ode.rows.isEmpty { parts += ["<p class=\"legend\">\(escape(odeLegend))</p>", htmlTable(ode)] }
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
        let ode = odeTable(g)
        let odeLines = ode.rows.isEmpty ? [] : ["", odeLegend, ""] + GroupSummary.markdownTable(ode)
        return ["", geometryLegend(detector(g)), ""] + GroupSummary.markdownTable(lagTable(g)) + odeLines
    }
}
