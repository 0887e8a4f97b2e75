import Foundation

/// `plasticity report`: an HTML page with SVG plots (learning curves with the median's order-statistic
/// band and the trivial baseline, trials to
/// criterion per rule, ablation and perturbation curves) and a Markdown summary, from a results file.
public enum Report {
    /// Writes index.html and summary.md into `directory` (created if missing), and with curriculum runs
    /// each curriculum plot as curricula-<name>.svg (`CurriculumPlots`); returns the paths written.
    @discardableResult
    public static func write(store: ResultsStore, to directory: String) throws -> [String] {
        let stored = try store.runs(), protocols = try store.protocols()
        let groups = GroupSummary.make(stored, protocols: protocols)
        let contrasts = ContrastSummary.make(stored, protocols: protocols)
        try Directory.create(directory)
        let html = (directory as NSString).appendingPathComponent("index.html")
        let markdown = (directory as NSString).appendingPathComponent("summary.md")
        let sweeps = sweepSections(stored, protocols: protocols)
        let curricula = CurriculumReport.rows(stored, curricula: try store.curricula())
        var page = self.html(groups, source: store.path, contrasts: contrasts, sweeps: sweeps)
        var written: [String] = []
        if !curricula.isEmpty {
            var figures = ""
            for (name, figure) in CurriculumPlots.all(curricula) {
                let svg = figure.render()
                let path = (directory as NSString).appendingPathComponent("curricula-\(name).svg")
                try AtomicFile.write(Data(svg.utf8), to: path)
                written.append(path)
                figures += "<figure>\(svg)</figure>"
            }
            let section = "<section><h2>Curricula</h2><p class=\"legend\">\(escape(CurriculumReport.legend))</p>" + figures + htmlTable(CurriculumReport.table(curricula))
                + (CurriculumReport.timescalesTable(curricula).rows.isEmpty ? "" : "<h3>\(escape(CurriculumReport.timescalesTitle))</h3><p class=\"legend\">\(escape(CurriculumReport.timescalesLegend))</p>" + htmlTable(CurriculumReport.timescalesTable(curricula)))
                + (CurriculumContrast.table(curricula).rows.isEmpty ? "" : "<h3>\(escape(CurriculumContrast.title))</h3><p class=\"legend\">\(escape(CurriculumContrast.legend))</p>" + htmlTable(CurriculumContrast.table(curricula)))
                + "</section>\n"
            page = page.replacingOccurrences(of: "</body></html>", with: section + "</body></html>")
        }
        try AtomicFile.write(Data(page.utf8), to: html)
        try AtomicFile.write(Data((self.markdown(groups, source: store.path, contrasts: contrasts, sweeps: sweeps) + (curricula.isEmpty ? "" : "\n" + CurriculumReport.markdown(curricula))).utf8), to: markdown)
        return [html, markdown] + written
    }

    /// The section of each protocol's `[sweep]` whose selection runs are all stored.
    public static func sweepSections(_ stored: [StoredRun], protocols: [String: ExperimentProtocol]) -> [SweepSection] {
        protocols.keys.sorted().compactMap { name in
            guard let p = protocols[name], let plan = p.sweep else { return nil }
            let runs = stored.filter { $0.record.protocolName == p.selectionName }
            guard let choices = SweepChoice.make(for: p, runs: runs) else { return nil }
            return SweepSection(
                title: "Settings selected for \(name)", legend: SweepChoice.legend(plan: plan, evaluationSeeds: p.seeds),
                table: SweepChoice.table(choices))
        }
    }

    public static func markdown(
        _ groups: [GroupSummary], source: String, contrasts: [ContrastSummary] = [], sweeps: [SweepSection] = []
    ) -> String {
        var lines = ["# Plasticity results", "", "From `\(source)` (plasticity \(PlasticityVersion.current)).", ""]
        if groups.isEmpty { lines.append("No finished runs yet.") }
        for s in sweeps { lines += ["## \(s.title)", "", s.markdown, ""] }
        if !contrasts.isEmpty { lines += ["## Contrasts between conditions", "", ContrastSummary.markdown(contrasts), ""] }
        for g in groups { lines += ["## \(g.title)", "", g.markdown] + geometryMarkdown(g) + robustnessLevelsMarkdown(g) + [""] }
        return lines.joined(separator: "\n")
    }

    static func color(_ index: Int) -> String { SVGPlot.palette[index % SVGPlot.palette.count] }

    /// Loss of a run at trial t: its last evaluation at or before t (held after the run stopped).
    static func value(_ curve: [CurvePoint], at t: Int) -> Double {
        var v = Double.nan
        for p in curve where p.trials <= t { v = p.validationLoss }
        return v
    }

    /// Median validation loss across seeds with the order-statistic band of the median, per rule.
    public static func learningCurves(_ g: GroupSummary) -> SVGPlot {
        curvePlot(
            title: "Learning curves", g.rules.enumerated().map { i, r in curveSeries(r.rule, runs: r.runs, color: color(i)) },
            runs: g.rules.flatMap(\.runs))
    }

    /// Treatment and baseline of a contrast on one plot (e.g. with and without TCR).
    public static func contrastCurves(_ c: ContrastSummary) -> SVGPlot {
        curvePlot(
            title: "\(c.contrast.label): \(c.rule), \(c.task)",
            [
                curveSeries(c.contrast.baseline, runs: c.baselineRuns, color: color(0)),
                curveSeries(c.contrast.treatment, runs: c.treatmentRuns, color: color(1)),
            ],
            runs: c.baselineRuns + c.treatmentRuns)
    }

    /// Learning curves with the trivial baseline of `runs` (the median of their curve baselines,
    /// which differ a little between seeds' validation sets) as a dashed line.
    static func curvePlot(title: String, _ series: [SVGPlot.Series], runs: [RunRecord]) -> SVGPlot {
        var plot = SVGPlot(title: title, xLabel: "trials", yLabel: "validation loss")
        plot.series = series
        plot.reference = baselineLine(runs)
        let all = series.flatMap { $0.points.map(\.y) + $0.band.map(\.low) }
        plot.logY = !all.isEmpty && all.allSatisfy { $0 > 0 }
        return plot
    }

    /// The dashed trivial-baseline line of a learning-curve plot: the median of the runs' curve
    /// baselines (each seed's validation data has its own); nil when none is known.
    static func baselineLine(_ runs: [RunRecord]) -> (y: Double, label: String)? {
        let baselines = runs.map(\.metrics.curveBaseline).filter(\.isFinite)
        return baselines.isEmpty ? nil : (Statistics.median(baselines), "trivial baseline")
    }

    /// Median validation loss of `runs` across seeds on a common grid, with the order-statistic
    /// interval of the median as its band (its coverage depends on n: 75% at 3 seeds, 93.75% at 5,
    /// 95% from 6; the name says it).
    static func curveSeries(_ name: String, runs: [RunRecord], color: String) -> SVGPlot.Series {
        var grid = Array(Set(runs.flatMap { $0.result.curve.map(\.trials) })).sorted()
        if grid.count > 80 { grid = (0..<80).map { grid[$0 * (grid.count - 1) / 79] } }
        var s = SVGPlot.Series(name: bandName(name, runs.count), color: color)
        for t in grid {
            let values = runs.map { value($0.result.curve, at: t) }.filter(\.isFinite)
            guard !values.isEmpty else { continue }
            let ci = Statistics.medianInterval(values)
            s.points.append((Double(t), Statistics.median(values)))
            s.band.append((Double(t), ci.low, ci.high))
        }
        return s
    }

    /// One marker per seed (open: censored at the budget) and a bar at the median.
    public static func trialsToCriterion(_ g: GroupSummary) -> SVGPlot {
        var plot = SVGPlot(title: "Trials to criterion", xLabel: "rule", yLabel: "trials")
        plot.categories = g.rules.map(\.rule)
        plot.reference = (Double(g.budget), "budget")
        plot.yRange = 0...(Double(g.budget) * 1.05)
        for (i, r) in g.rules.enumerated() {
            var s = SVGPlot.Series(name: r.rule, color: color(i))
            let n = r.runs.count
            for (k, run) in r.runs.enumerated() {
                let x = Double(i) + (Double(k) - Double(n - 1) / 2) * min(0.08, 0.6 / Double(max(n, 1)))
                s.markers.append((x, Double(run.metrics.trialsToCriterionOrBudget), run.metrics.censored))
            }
            if r.trialsToCriterion.median.isFinite {
                s.points = [(Double(i) - 0.3, r.trialsToCriterion.median), (Double(i) + 0.3, r.trialsToCriterion.median)]
            }
            plot.series.append(s)
        }
        return plot
    }

    /// A robustness curve across seeds: at each level the median accuracy, and the order-statistic
    /// interval of the median as its band (the report's and `predict`'s plots).
    static func medianBand(name: String, color: String, curves: [RobustnessCurve], levels: [Double]) -> SVGPlot.Series {
        var s = SVGPlot.Series(name: name, color: color)
        for (j, level) in levels.enumerated() {
            let values = curves.compactMap { $0.accuracy.count > j ? $0.accuracy[j] : nil }.filter(\.isFinite)
            guard !values.isEmpty else { continue }
            let ci = Statistics.medianInterval(values)
            s.points.append((level, Statistics.median(values)))
            s.band.append((level, ci.low, ci.high))
        }
        return s
    }

    /// "bptt (n 5, band 93.75%)": a series' name with its number of runs and its band's coverage.
    static func bandName(_ name: String, _ n: Int) -> String {
        n > 1 ? "\(name) (n \(n), band \(SeedSummary.percent(Statistics.medianIntervalRank(n: n).coverage)))" : name
    }

    /// Median accuracy vs damage level across seeds with the order-statistic band of the median, per rule.
    public static func robustness(_ g: GroupSummary, kind: String) -> SVGPlot {
        let what = kind.split(separator: "-", maxSplits: 1).last.map(String.init) ?? kind
        let (title, xLabel): (String, String)
        if kind.hasPrefix("ablation") {
            (title, xLabel) = ("Ablation (\(what) order)", "fraction of neurons silenced")
        } else if kind == "integration" {
            (title, xLabel) = ("Integrated as an ODE", "Euler step dt (1 = the trained map, 0 = adaptive solver)")
        } else {
            (title, xLabel) = ("Perturbation: noise on \(what)", "noise level (relative)")
        }
        var plot = SVGPlot(title: title, xLabel: xLabel, yLabel: "accuracy")
        plot.yRange = 0...1
        for (i, r) in g.rules.enumerated() {
            let curves = r.runs.compactMap { $0.robustness.first { $0.kind == kind } }
            guard let levels = curves.first?.levels else { continue }
            plot.series.append(medianBand(name: bandName(r.rule, curves.count), color: color(i), curves: curves, levels: levels))
        }
        return plot
    }

    static func escape(_ s: String) -> String { SVGPlot.escape(s) }

    static func htmlTable(_ table: (header: [String], rows: [[String]])) -> String {
        var lines = ["<table>", "<tr>" + table.header.map { "<th>\(escape($0))</th>" }.joined() + "</tr>"]
        for row in table.rows { lines.append("<tr>" + row.map { "<td>\(escape($0))</td>" }.joined() + "</tr>") }
        lines.append("</table>")
        return lines.joined(separator: "\n")
    }

    public static func html(
        _ groups: [GroupSummary], source: String, contrasts: [ContrastSummary] = [], sweeps: [SweepSection] = []
    ) -> String {
        var body: [String] = []
        body.append("<h1>Plasticity results</h1>")
        body.append("<p class=\"meta\">From <code>\(escape(source))</code> · plasticity \(PlasticityVersion.current) · \(groups.reduce(0) { $0 + $1.rules.reduce(0) { $0 + $1.runs.count } }) runs</p>")
        if groups.isEmpty { body.append("<p>No finished runs yet.</p>") }
        for sweep in sweeps {
            body.append("<section><h2>\(escape(sweep.title))</h2><p class=\"legend\">\(escape(sweep.legend))</p>" + htmlTable(sweep.table) + "</section>")
        }
        if !contrasts.isEmpty {
            body.append("<section><h2>Contrasts between conditions</h2><p class=\"legend\">\(escape(ContrastSummary.legend))</p>")
            body.append(htmlTable((ContrastSummary.header, contrasts.map(\.row))))
            body.append("<div class=\"charts\">" + contrasts.map { "<figure>\(contrastCurves($0).render())</figure>" }.joined(separator: "\n") + "</div></section>")
        }
        for g in groups {
            body.append("<section><h2>\(escape(g.title))</h2>")
            body.append("<p class=\"legend\">\(escape(g.legend))</p>")
            body.append(htmlTable(g.ruleTable))
            for verdict in g.verdicts { body.append("<p class=\"legend\">\(escape(verdict))</p>") }
            var charts = [learningCurves(g).render(), trialsToCriterion(g).render()]
            let kinds = Array(Set(g.rules.flatMap { $0.robustnessAreas.map(\.kind) })).sorted()
            charts += kinds.map { robustness(g, kind: $0).render() }
            body.append("<div class=\"charts\">" + charts.map { "<figure>\($0)</figure>" }.joined(separator: "\n") + "</div>")
            if !g.comparisons.isEmpty {
                body.append("<details open><summary>\(escape(g.comparisonLegend))</summary>")
                body.append(htmlTable(g.comparisonTable))
                body.append("</details>")
            }
            if let table = g.settingsTable {
                let differing = table.rows.filter(\.differs).count
                body.append("<details\(differing > 0 ? " open" : "")><summary>Settings that ran (\(differing) differ between rules)</summary><p class=\"legend\">\(escape(GroupSummary.settingsLegend))</p>")
                var lines = ["<table class=\"settings\">", "<tr>" + table.header.map { "<th>\(escape($0))</th>" }.joined() + "</tr>"]
                for row in table.rows {
                    lines.append("<tr\(row.differs ? " class=\"differs\"" : "")>" + row.cells.map { "<td>\(escape($0))</td>" }.joined() + "</tr>")
                }
                body.append((lines + ["</table>", "</details>"]).joined(separator: "\n"))
            }
            body.append(geometryHTML(g))
            body.append("</section>")
        }
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Plasticity results</title>
            <style>
            body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1120px; color: #222; }
            h1 { font-size: 24px; } h2 { font-size: 18px; border-bottom: 1px solid #ddd; padding-bottom: 4px; margin-top: 32px; }
            h3 { font-size: 15px; margin-top: 20px; }
            .meta, .legend { color: #555; font-size: 13px; }
            table { border-collapse: collapse; font-size: 13px; margin: 8px 0; }
            th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: right; } th { background: #f5f5f5; }
            td:first-child, th:first-child { text-align: left; }
            .charts { display: flex; flex-wrap: wrap; gap: 8px; } figure { margin: 0; border: 1px solid #eee; }
            tr.differs td { background: #fff3c4; font-weight: 600; }
            summary { font-size: 13px; color: #555; cursor: pointer; margin-top: 8px; }
            </style></head><body>
            \(body.joined(separator: "\n"))
            </body></html>
            """
    }
}
