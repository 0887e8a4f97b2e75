import Foundation

/// What `plasticity predict` writes: predictions.md (the table and the ranking of experiments in
/// plain words), predictions.csv (every median and every pairwise effect) and SVG plots per setting.
public enum PredictionsReport {
    /// Writes the files into `directory` (created if missing); returns their paths.
    @discardableResult
    public static func write(_ table: PredictionTable, to directory: String, source: String, command: String) throws -> [String] {
        try Directory.create(directory)
        func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
        var written: [String] = []
        var plots: [String: [String]] = [:]
        for s in table.settings {
            for (name, plot) in self.plots(s) {
                try AtomicFile.write(Data(plot.render().utf8), to: path(name))
                written.append(path(name))
                plots[s.setting, default: []].append(name)
            }
        }
        try AtomicFile.write(Data(markdown(table, source: source, command: command, plots: plots).utf8), to: path("predictions.md"))
        try AtomicFile.write(Data(csv(table).utf8), to: path("predictions.csv"))
        return [path("predictions.md"), path("predictions.csv")] + written
    }

    static func number(_ x: Double, _ digits: Int) -> String {
        guard x.isFinite else { return x.isNaN ? "–" : (x > 0 ? "inf" : "-inf") }
        let text = String(format: "%.\(digits)f", x)
        return text == "-" + String(format: "%.\(digits)f", 0.0) ? String(format: "%.\(digits)f", 0.0) : text
    }

    static func percent(_ x: Double) -> String { x.isFinite ? String(format: "%.0f%%", 100 * x) : "–" }

    static func p(_ value: Double) -> String {
        guard value.isFinite else { return "–" }
        return value < 0.001 ? String(format: "%.1e", value) : String(format: "%.3f", value)
    }

    /// "12.3 [8.1, 15.0]" (the interval only with more than one seed).
    static func summary(_ s: SeedSummary?, _ digits: Int) -> String {
        guard let s, s.count > 0 else { return "–" }
        return s.count > 1 ? "\(number(s.median, digits)) [\(number(s.low, digits)), \(number(s.high, digits))]" : number(s.median, digits)
    }

    static func slug(_ text: String) -> String {
        var out = ""
        for c in text.lowercased() { out.append(c.isLetter || c.isNumber ? c : "-") }
        while out.contains("--") { out = out.replacingOccurrences(of: "--", with: "-") }
        return out.trimmingCharacters(in: CharacterSet(charactersIn: "-"))
    }

    public static let legend = """
        Medians across seeds with the order-statistic interval of the median in brackets (95% where the \
        number of seeds allows, else [min, max]; coverage per cell in predictions.csv). Between two rules: \
        Cliff's δ = P(A > B) − P(A < B) over pairs of seeds (±1: the seeds never overlap), Cohen's d \
        (difference of means in pooled standard deviations) and the two-sided permutation p of the \
        difference in means (exact when there are at most 20,000 splits, else 2,000 random ones). \
        "Points" are percentage points of accuracy.
        """

    public static func markdown(_ table: PredictionTable, source: String, command: String, plots: [String: [String]] = [:]) -> String {
        let runs = table.settings.reduce(0) { $0 + $1.runs.count }
        var lines = [
            "# Predictions for experiments: \(table.protocolName)", "",
            "From `\(source)` (plasticity \(PlasticityVersion.current)): \(runs) trained networks"
                + (table.diverged > 0 ? ", \(table.diverged) diverged runs left out" : "") + ". Regenerate with `\(command)`.", "",
            legend, "",
        ]
        if table.settings.isEmpty { lines += ["No finished runs yet.", ""] }
        for s in table.settings { lines += section(s, plots: plots[s.setting] ?? []) }
        for s in table.scaling { lines += scalingSection(s, runs: table.settings.flatMap(\.runs).filter { $0.family == s.family }) }
        return lines.joined(separator: "\n")
    }

    static func section(_ s: SettingPredictions, plots: [String]) -> [String] {
        var lines = ["## \(s.setting)", ""]
        let counts = s.labels.map { l in "\(l) \(s.runs.filter { $0.label == l }.count)" }.joined(separator: ", ")
        lines += ["Runs per rule: \(counts).", ""]
        let untrained = s.notLearned
        if !untrained.isEmpty {
            let which = untrained.map { l in
                let mine = s.runs.filter { $0.label == l }
                return "\(l) (\(mine.filter(\.reached).count) of \(mine.count) runs reached the criterion)"
            }
            lines += ["**Not learned: predictions describe an untrained network** — " + which.joined(separator: ", ")
                + ". Fewer than half of these seeds learned the task within the budget, so their observables here describe a barely trained network "
                + "and differences from the other rules reflect how well each learned, not how a trained network differs; they are marked \"(not learned)\" below.", ""]
        }
        lines += ["### In plain words", ""]
        if let silencing = s.summaries["silencing-random-20"] {
            // The headline sentence: "Under A, silencing 20% of neurons at random costs X points of accuracy; under B, Y; ..."
            var parts: [String] = []
            for l in s.labels {
                guard let v = silencing[l], v.count > 0 else { continue }
                let value = number(v.median, 1) + (v.count > 1 ? " [\(number(v.low, 1)), \(number(v.high, 1))]" : "")
                parts.append(parts.isEmpty ? "Under \(l), silencing 20% of neurons at random costs \(value) points of accuracy" : "under \(l), \(value)")
            }
            if !parts.isEmpty { lines.append("- " + parts.joined(separator: "; ") + pairText(s, "silencing-random-20") + ".") }
        }
        for o in s.observables where o.name != "silencing-random-20" {
            let parts = s.labels.compactMap { l -> String? in
                guard let v = s.summaries[o.name]?[l], v.count > 0 else { return nil }
                return "\(l) \(summary(v, o.digits))"
            }
            lines.append("- \(o.text.prefix(1).uppercased() + o.text.dropFirst()): " + parts.joined(separator: "; ") + pairText(s, o.name) + ".")
        }
        lines.append("")
        lines += identifiability(s)
        lines += ["### Table", ""]
        let shown = s.labels.map { untrained.contains($0) ? "\($0) (not learned)" : $0 }
        var header = ["observable"] + shown + ["best separated (δ, d, p)"]
        if header.count < 3 { header = ["observable"] + shown }
        let rows = s.observables.map { o -> [String] in
            var row = [o.name] + s.labels.map { summary(s.summaries[o.name]?[$0], o.digits) }
            if s.labels.count > 1 {
                row.append(s.bestPair(o.name).map { "\($0.a) vs \($0.b) (\(number($0.effect.cliffsDelta, 2)), \(number($0.effect.cohensD, 1)), \(p($0.effect.pValue)))" } ?? "–")
            }
            return row
        }
        lines += [MarkdownTable.render(header: header, rows: rows), ""]
        for plot in plots { lines += ["![\(plot)](\(plot))", ""] }
        return lines
    }

    /// The learning curve's scaling with memory load: per rule the factor (or added amount) per
    /// unit of load with its bootstrap interval, censoring, and the pair of rules whose seeds' slopes differ most.
    static func scalingSection(_ s: LoadScalingPredictions, runs: [PredictionRun]) -> [String] {
        let p = s.parameter
        var lines = ["## Scaling with memory load: \(s.family)", ""]
        let loads = Array(Set(runs.compactMap(\.load))).sorted()
        let learned = s.labels.map { l in
            "\(l) " + loads.map { load in
                let here = runs.filter { $0.label == l && $0.load == load }
                return "\(here.filter(\.reached).count)/\(here.count)"
            }.joined(separator: ", ")
        }
        lines += [
            "Trained at \(p) = " + loads.map { number($0, 0) }.joined(separator: ", ") + "; runs at criterion per \(p): " + learned.joined(separator: "; ") + ".",
            "",
            "Per rule a least-squares line through every run's log plateau length and log trials to criterion (factors per added \(p)) and "
                + "escape abruptness (change per added \(p)) against \(p); interval: 95% percentile bootstrap over seeds (2,000 resamples, a seed's runs "
                + "at every \(p) drawn together). Between rules: Cliff's δ, Cohen's d and permutation p of the seeds' own slopes. Censored runs (criterion "
                + "not reached, plateau lasting to the end) enter at their bound, the budget; censoring grows with \(p), so a slope marked ≥ "
                + "(more censored runs at the largest \(p) than at the smallest) is a lower bound. A plateau of 0 (never near the baseline) counts as "
                + "the smallest plateau observed here; abruptness is fitted over the runs that escaped.",
            "",
            "### In plain words",
            "",
        ]
        // A rule that learned at no load has bounds, not measurements, everywhere: its slope says nothing about scaling.
        let never = s.labels.filter { l in
            loads.allSatisfy { load in
                let here = runs.filter { $0.label == l && $0.load == load }
                return 2 * here.filter(\.reached).count < here.count
            }
        }
        for m in LoadScalingPredictions.measures {
            guard let byLabel = s.scalings[m.observable] else { continue }
            let parts = s.labels.compactMap { l -> String? in
                guard let f = byLabel[l] else { return nil }
                return "under \(l) by \(scalingText(f))"
            }
            guard !parts.isEmpty else { continue }
            let verb = m.logarithmic ? "multiplies \(m.noun)" : "changes \(m.noun)"
            var line = "- Each added \(p) \(verb): " + parts.joined(separator: "; ")
            if let best = s.bestPair(m.observable, excluding: never) {
                line += " — \(best.a) vs \(best.b) differ most (δ \(number(best.effect.cliffsDelta, 2)), d \(number(best.effect.cohensD, 1)), p \(self.p(best.effect.pValue)))"
            }
            lines.append(line + ".")
        }
        if !never.isEmpty {
            lines.append("- Not learned at any \(p) (fewer than half the runs at criterion at every \(p)): \(never.joined(separator: ", ")); "
                + "every value is a bound, so its slopes say nothing about how learning scales, and it is left out of \"differ most\".")
        }
        lines += ["", "### Table", ""]
        var header = ["observable"] + s.labels
        if s.labels.count > 1 { header.append("best separated (δ, d, p)") }
        let rows = LoadScalingPredictions.measures.compactMap { m -> [String]? in
            guard let byLabel = s.scalings[m.observable] else { return nil }
            var row = [(m.logarithmic ? "factor:" : "") + s.name(m.observable)] + s.labels.map { l in byLabel[l].map(scalingText) ?? "–" }
            if s.labels.count > 1 {
                row.append(s.bestPair(m.observable, excluding: never).map { "\($0.a) vs \($0.b) (\(number($0.effect.cliffsDelta, 2)), \(number($0.effect.cohensD, 1)), \(self.p($0.effect.pValue)))" } ?? "–")
            }
            return row
        }
        lines += [MarkdownTable.render(header: header, rows: rows), ""]
        return lines
    }

    /// "×2.10 [1.60, 2.80]" (a factor) or "+0.05 [-0.02, 0.11]", "≥" first when censoring makes it a lower bound.
    static func scalingText(_ f: LoadScaling) -> String {
        let e = { LoadScaling.effect($0, logarithmic: f.logarithmic) }
        let bound = f.lowerBound ? "≥" : ""
        if f.logarithmic { return "\(bound)×\(number(e(f.slope), 2)) [\(number(e(f.low), 2)), \(number(e(f.high), 2))]" }
        let sign = f.slope >= 0 ? "+" : ""
        return "\(bound)\(sign)\(number(f.slope, 3)) [\(number(f.low, 3)), \(number(f.high, 3))]"
    }

    /// " — bptt vs rflo differ most (δ 1.00, d 3.1, p 0.002)", or "" with one rule.
    static func pairText(_ s: SettingPredictions, _ observable: String) -> String {
        guard let best = s.bestPair(observable) else { return "" }
        if best.effect.cliffsDelta == 0 && !(abs(best.effect.cohensD) > 0) { return " — no two rules differ" }
        return " — \(best.a) vs \(best.b) differ most (δ \(number(best.effect.cliffsDelta, 2)), d \(number(best.effect.cohensD, 1)), p \(p(best.effect.pValue)))"
    }

    static func identifiability(_ s: SettingPredictions) -> [String] {
        guard let logistic = s.classifiers.first(where: { $0.kind == .logistic }) else {
            return ["Too few rules or runs here to test whether the observables identify the rule.", ""]
        }
        var lines = ["### Which experiment tells the rules apart", ""]
        let sentences = s.classifiers.map { c in
            let name = c.kind == .logistic ? "Logistic regression (L2)" : "Nearest centroid"
            let correct = (0..<c.classes.count).reduce(0) { $0 + c.confusion[$1][$1] }
            return "\(name) names the rule of \(correct) of \(c.runs) held-out networks: \(percent(c.accuracy)) [\(percent(c.low)), \(percent(c.high))] (chance \(percent(c.chance)))."
        }
        lines += [sentences.joined(separator: " ") + " Stratified \(logistic.folds)-fold cross-validation on all observables; interval: Wilson 95%.", ""]
        if let ranking = s.ranking, !ranking.steps.isEmpty {
            lines += ["Experiments in the order a greedy forward selection adds them (logistic regression, same folds): accuracy of each alone, and of it together with the ones above.", ""]
            let rows = ranking.steps.enumerated().map { i, step in
                ["\(i + 1)", step.group, percent(step.alone), percent(step.cumulative), (step.added >= 0 ? "+" : "") + String(format: "%.0f", 100 * step.added)]
            }
            lines += [MarkdownTable.render(header: ["step", "experiment", "alone", "together", "added (points)"], rows: rows), ""]
        }
        lines += ["Confusion matrix of the logistic regression (rows: true rule, columns: named rule):", ""]
        let rows = logistic.classes.indices.map { i in [logistic.classes[i]] + logistic.confusion[i].map(String.init) }
        lines += [MarkdownTable.render(header: ["true \\ named"] + logistic.classes, rows: rows), ""]
        return lines
    }

    /// One row per (setting, observable, rule) summary and per (setting, observable, pair) effect.
    public static func csv(_ table: PredictionTable) -> String {
        func field(_ s: String) -> String { s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s }
        func num(_ x: Double) -> String { x.isFinite ? "\(x)" : (x.isNaN ? "" : (x > 0 ? "inf" : "-inf")) }
        var lines = ["kind,setting,observable,rule,rule_b,n,n_b,median,low,high,coverage,cohens_d,cliffs_delta,p,exact"]
        for s in table.settings {
            for o in s.observables {
                for l in s.labels {
                    guard let v = s.summaries[o.name]?[l] else { continue }
                    lines.append(["summary", field(s.setting), o.name, l, "", "\(v.count)", "", num(v.median), num(v.low), num(v.high), num(v.coverage), "", "", "", ""].joined(separator: ","))
                }
            }
            for pair in s.pairs {
                let e = pair.effect
                lines.append(["effect", field(s.setting), pair.observable, pair.a, pair.b, "\(e.countA)", "\(e.countB)", "", "", "", "", num(e.cohensD), num(e.cliffsDelta), num(e.pValue), e.exact ? "1" : "0"].joined(separator: ","))
            }
        }
        // Scaling with load: the pooled slope (log scale for plateau and trials to criterion) with its
        // bootstrap interval; n = seeds with a slope of their own; coverage = 0.95 (percentile bootstrap).
        for s in table.scaling {
            for m in LoadScalingPredictions.measures {
                for l in s.labels {
                    guard let f = s.scalings[m.observable]?[l] else { continue }
                    lines.append(["scaling", field(s.family), s.name(m.observable), l, "", "\(f.perSeed.count)", "", num(f.slope), num(f.low), num(f.high), "0.95", "", "", "", ""].joined(separator: ","))
                }
            }
            for pair in s.pairs {
                let e = pair.effect
                lines.append(["effect", field(s.family), s.name(pair.observable), pair.a, pair.b, "\(e.countA)", "\(e.countB)", "", "", "", "", num(e.cohensD), num(e.cliffsDelta), num(e.pValue), e.exact ? "1" : "0"].joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Per setting: the random-silencing curves (median and band per rule) and the ranking's accuracies.
    static func plots(_ s: SettingPredictions) -> [(String, SVGPlot)] {
        var result: [(String, SVGPlot)] = []
        var silencing = SVGPlot(title: "Silencing at random: \(s.setting) (median, band: interval of the median)", xLabel: "fraction of neurons silenced", yLabel: "accuracy")
        silencing.yRange = 0...1
        silencing.width = 640
        for (i, l) in s.labels.enumerated() {
            let curves = s.runs.filter { $0.label == l }.compactMap { $0.robustness.first { $0.kind == "ablation-random" } }
            guard let levels = curves.first?.levels else { continue }
            silencing.series.append(Report.medianBand(name: l, color: Report.color(i), curves: curves, levels: levels))
        }
        if !silencing.series.isEmpty { result.append(("silencing-\(slug(s.setting)).svg", silencing)) }
        if let ranking = s.ranking, !ranking.steps.isEmpty, let chance = s.classifiers.first?.chance {
            // A categorical axis has no legend: the title says which marker is which.
            var plot = SVGPlot(title: "Identifying the rule: \(s.setting) (filled: with the ones before, open: alone)", xLabel: "experiments added (greedy)", yLabel: "cross-validated accuracy")
            plot.categories = ranking.steps.map(\.group)
            plot.width = max(520, 130 * Double(ranking.steps.count))
            plot.yRange = 0...1
            plot.reference = (chance, "chance")
            var together = SVGPlot.Series(name: "together with the ones before", color: Report.color(0))
            var alone = SVGPlot.Series(name: "alone", color: Report.color(1))
            alone.lineWidth = 0
            for (i, step) in ranking.steps.enumerated() {
                together.points.append((Double(i), step.cumulative))
                together.markers.append((Double(i), step.cumulative, false))
                alone.markers.append((Double(i), step.alone, true))
            }
            plot.series = [together, alone]
            result.append(("identifiability-\(slug(s.setting)).svg", plot))
        }
        return result
    }
}

extension PredictionsReport {
    /// One line per setting: its networks and the classifiers' cross-validated accuracy (what `predict` prints).
    public static func overview(_ table: PredictionTable) -> String {
        guard !table.settings.isEmpty else { return "no finished runs" }
        return table.settings.map { s in
            let scores = s.classifiers.map { "\($0.kind.rawValue) \(percent($0.accuracy)) [\(percent($0.low)), \(percent($0.high))]" }
            return "\(s.setting): \(s.runs.count) networks, \(s.labels.count) rules" + (scores.isEmpty ? "" : "; rule identified by " + scores.joined(separator: ", ") + " (chance \(percent(s.classifiers[0].chance)))")
        }.joined(separator: "\n")
    }
}
