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
    }

    /// The stored curriculum runs, grouped (store order: protocol, task, condition, rule, seed).
    public static func rows(_ stored: [StoredRun], curricula: [Int64: CurriculumResult]) -> [Row] {
        var rows: [Row] = []
        for run in stored {
            guard let c = curricula[run.id] else { continue }
            let r = run.record
            if let i = rows.firstIndex(where: { $0.protocolName == r.protocolName && $0.task == r.task && $0.condition == r.condition && $0.rule == r.rule }) {
                rows[i].results.append(c)
            } else {
                rows.append(Row(protocolName: r.protocolName, task: r.task, condition: r.condition, rule: r.rule, results: [c]))
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

    /// Median over seeds of the mean relative accuracy on the N before each run's largest (forgetting).
    static func forgetting(_ results: [CurriculumResult]) -> String {
        let values = results.compactMap { r -> Double? in
            let earlier = r.retention.filter { $0.n < (r.largestN ?? 0) }.compactMap(\.relative)
            return earlier.isEmpty ? nil : Statistics.mean(earlier)
        }
        return values.isEmpty ? "–" : "\(number(Statistics.median(values))) (n = \(values.count))"
    }

    /// Median over seeds of the stream accuracy on N = largest + 1 (generalisation).
    static func generalisation(_ results: [CurriculumResult]) -> String {
        let values = results.compactMap { $0.generalisation.first?.accuracy }
        return values.isEmpty ? "–" : "\(number(Statistics.median(values))) (n = \(values.count))"
    }

    public static let header = [
        "protocol", "task", "condition", "rule", "runs (complete/budget/diverged)", "largest N passed: median [interval] (coverage); per seed",
        "median trials per passed N", "relative accuracy on earlier N", "accuracy on N = largest + 1",
    ]

    public static func table(_ rows: [Row]) -> (header: [String], rows: [[String]]) {
        (header, rows.map { row in
            let count = { (s: CurriculumStatus) in row.results.filter { $0.status == s }.count }
            return [
                row.protocolName, row.task, row.condition, row.rule,
                "\(row.results.count) (\(count(.complete))/\(count(.budget))/\(count(.diverged)))",
                largest(row.results), trialsPerN(row.results), forgetting(row.results), generalisation(row.results),
            ]
        })
    }

    public static let legend = "Curricula (docs/curricula.md): the largest N whose stage passed (mean and largest-N head accuracy above the threshold on fresh trials) within the budget. Stream tests (1,100 bits, the network as it was at its last pass): relative accuracy = (acc − 0.5)/(baseline − 0.5) on the earlier N, the baseline being N's accuracy when its stage passed (1 = nothing forgotten, 0 = chance; multi-head keeps a head per N, single-head's one head answers them all, sliding keeps its window's); accuracy on N = largest + 1 on the head of the largest N (generalisation; 0.5 = chance)."

    /// The Markdown section ("" without curriculum runs).
    public static func markdown(_ rows: [Row]) -> String {
        guard !rows.isEmpty else { return "" }
        let t = table(rows)
        return ["## Curricula", "", legend, "", MarkdownTable.render(header: t.header, rows: t.rows), ""].joined(separator: "\n")
    }
}
