import Foundation

/// The curriculum section of a report: per protocol, task, condition and rule, the largest N passed
/// (median with its order-statistic interval and exact coverage, and every seed's value), how the
/// runs ended, the median trials spent on each N, forgetting (the paper's relative stream accuracy
/// on earlier N after the last passed stage) and generalisation (stream accuracy on N beyond).
public enum CurriculumReport {
    public struct Row: Equatable, Sendable {
        public var protocolName: String
        public var task: String
        public var condition: String
        public var rule: String
        public var results: [CurriculumResult]
        /// Each run's robustness curves (ablation, perturbation, integration; docs/curricula.md), in the order of `results`.
        public var robustness: [[RobustnessCurve]] = []
    }

    /// The stored curriculum runs, grouped (store order: protocol, task, condition, rule, seed).
    public static func rows(_ stored: [StoredRun], curricula: [Int64: CurriculumResult]) -> [Row] {
        var rows: [Row] = []
        for run in stored {
            guard let c = curricula[run.id] else { continue }
            let r = run.record
            if let i = rows.firstIndex(where: { $0.protocolName == r.protocolName && $0.task == r.task && $0.condition == r.condition && $0.rule == r.rule }) {
                rows[i].results.append(c)
                rows[i].robustness.append(r.robustness)
            } else {
                rows.append(Row(protocolName: r.protocolName, task: r.task, condition: r.condition, rule: r.rule, results: [c], robustness: [r.robustness]))
            }
        }
        return rows
    }

    static func number(_ x: Double) -> String { x.isFinite ? formatNumber((x * 100).rounded() / 100) : "–" }

    /// Largest N passed (0 when none), summarised.
    static func largest(_ results: [CurriculumResult]) -> String {
        let values = results.map { Double($0.largestN ?? 0) }
        let interval = Statistics.medianInterval(values)
        return "\(number(Statistics.median(values))) [\(number(interval.low)), \(number(interval.high))] (\(Int((interval.coverage * 100).rounded()))%); "
            + values.map { String(Int($0)) }.joined(separator: " ")
    }

    /// "N=2: 512, N=3: 1024, …": the median over seeds of the trials each passed N took.
    static func trialsPerN(_ results: [CurriculumResult]) -> String {
        let ns = Set(results.flatMap { $0.stages.filter(\.passed).map(\.largestN) }).sorted()
        return ns.map { n in
            let t = results.compactMap { $0.stages.first { $0.largestN == n && $0.passed }.map { Double($0.trials) } }
            return "N=\(n): \(number(Statistics.median(t)))" + (t.count < results.count ? " (\(t.count)/\(results.count))" : "")
        }.joined(separator: ", ")
    }

    /// A run's mean relative stream accuracy on the N before its largest (forgetting); nil without any.
    static func relativeAccuracyOnEarlierN(_ r: CurriculumResult) -> Double? {
        let earlier = r.retention.filter { $0.n < (r.largestN ?? 0) }.compactMap(\.relative)
        return earlier.isEmpty ? nil : Statistics.mean(earlier)
    }

    /// Each newest N passed by at least half the row's seeds, with those seeds' stage measures at it
    /// (the timescales table's rows, the contrast's trend and the figures against N).
    static func measuredStages(_ row: Row) -> [(n: Int, at: [CurriculumStageMeasures])] {
        let measured = row.results.compactMap(\.measures)
        let ns = Set(measured.flatMap { $0.filter(\.passed).map(\.largestN) }).sorted()
        return ns.compactMap { n in
            let at = measured.compactMap { $0.first { $0.passed && $0.largestN == n } }
            return 2 * at.count >= row.results.count ? (n, at) : nil
        }
    }

    /// Median over seeds of the mean relative accuracy on the N before each run's largest (forgetting).
    static func forgetting(_ results: [CurriculumResult]) -> String {
        let values = results.compactMap(relativeAccuracyOnEarlierN)
        return values.isEmpty ? "–" : "\(number(Statistics.median(values))) (n = \(values.count))"
    }

    /// Median over seeds of the stream accuracy on N = largest + 1 (generalisation).
    static func generalisation(_ results: [CurriculumResult]) -> String {
        let values = results.compactMap { $0.generalisation.first?.accuracy }
        return values.isEmpty ? "–" : "\(number(Statistics.median(values))) (n = \(values.count))"
    }

    /// "ablation-random 0.61, perturb-weights 0.74": per analysis, the median over seeds of the area
    /// under accuracy against damage (1 = no loss), scored on the largest-N head of the last passed stage.
    static func robustnessAreas(_ robustness: [[RobustnessCurve]]) -> String {
        var kinds: [String] = []
        for curves in robustness { for c in curves where !kinds.contains(c.kind) { kinds.append(c.kind) } }
        guard !kinds.isEmpty else { return "–" }
        return kinds.map { kind in
            let areas = robustness.compactMap { $0.first { $0.kind == kind }?.area }
            return "\(kind) \(number(Statistics.median(areas)))"
        }.joined(separator: ", ")
    }

    public static let header = [
        "protocol", "task", "condition", "rule", "runs (complete/budget/diverged)", "largest N passed: median [interval] (coverage); per seed",
        "median trials per passed N", "relative accuracy on earlier N", "accuracy on N = largest + 1",
        "robustness area (median over seeds)",
    ]

    public static func table(_ rows: [Row]) -> (header: [String], rows: [[String]]) {
        (header, rows.map { row in
            let count = { (s: CurriculumStatus) in row.results.filter { $0.status == s }.count }
            return [
                row.protocolName, row.task, row.condition, row.rule,
                "\(row.results.count) (\(count(.complete))/\(count(.budget))/\(count(.diverged)))",
                largest(row.results), trialsPerN(row.results), forgetting(row.results), generalisation(row.results),
                robustnessAreas(row.robustness),
            ]
        })
    }

    public static let legend = "Curricula (docs/curricula.md): the largest N whose stage passed (mean and largest-N head accuracy above the threshold on fresh trials) within the budget. Stream tests (1,100 bits, the network as it was at its last pass): relative accuracy = (acc − 0.5)/(baseline − 0.5) on the earlier N, the baseline being N's accuracy when its stage passed (1 = nothing forgotten, 0 = chance; multi-head keeps a head per N, single-head's one head answers them all, sliding keeps its window's); accuracy on N = largest + 1 on the head of the largest N (generalisation; 0.5 = chance). Robustness: the area under accuracy against damage divided by the damage range (1 = no loss), accuracy on the largest-N head of the last passed stage, median over seeds."

    public static let timescalesTitle = "tau and tau_net as N grows"

    public static let timescalesLegend = "The network measured at each passed stage (docs/curricula.md, \"Timescales as N grows\"; docs/timescales.md): driven by a Bernoulli stream, each neuron's autocorrelation fitted by one or two exponentials (AIC), tau_net the selected (slower) timescale; tau the single-neuron timescale of the parameters (leaky RNN; – for GRU and LSTM, whose gates set the leak). Per run: the median over neurons (failed fits dropped); per row: the median of those over the seeds whose stage with this newest N passed, listed when at least half the seeds passed it (seeds: how many). PCs 90%: principal components for 90% of the variance; PR: participation ratio (medians over the stream's trials, then over seeds)."

    /// One row per group and newest N passed by at least half the group's seeds.
    public static func timescalesTable(_ rows: [Row]) -> (header: [String], rows: [[String]]) {
        let header = [
            "protocol", "task", "condition", "rule", "N", "seeds", "tau: median", "tau_net: median [seeds' range]", "failed fits (median)",
            "PCs 90%", "PR",
        ]
        var out: [[String]] = []
        for row in rows {
            for (n, at) in measuredStages(row) {
                let tauNet = at.map(\.tauNetQuartiles.median)
                let tau = at.compactMap { $0.tauQuartiles?.median }
                out.append([
                    row.protocolName, row.task, row.condition, row.rule, String(n), "\(at.count)/\(row.results.count)",
                    tau.isEmpty ? "–" : number(Statistics.median(tau)),
                    "\(number(Statistics.median(tauNet))) [\(number(tauNet.min() ?? .nan)), \(number(tauNet.max() ?? .nan))]",
                    number(Statistics.median(at.map { Double($0.failedFits) })),
                    number(Statistics.median(at.map(\.dimension))), number(Statistics.median(at.map(\.participationRatio))),
                ])
            }
        }
        return (header, out)
    }

    /// The Markdown section ("" without curriculum runs).
    public static func markdown(_ rows: [Row]) -> String {
        guard !rows.isEmpty else { return "" }
        let t = table(rows)
        var lines = ["## Curricula", "", legend, "", MarkdownTable.render(header: t.header, rows: t.rows), ""]
        let s = timescalesTable(rows)
        if !s.rows.isEmpty {
            lines += ["**\(timescalesTitle)**", "", timescalesLegend, "", MarkdownTable.render(header: s.header, rows: s.rows), ""]
        }
        let c = CurriculumContrast.table(rows)
        if !c.rows.isEmpty {
            lines += ["**\(CurriculumContrast.title)**", "", CurriculumContrast.legend, "", MarkdownTable.render(header: c.header, rows: c.rows), ""]
        }
        return lines.joined(separator: "\n")
    }
}
