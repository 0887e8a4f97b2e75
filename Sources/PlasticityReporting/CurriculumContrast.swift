import Foundation

/// Multi-head against single-head (docs/science.md, claims 4 and 5; docs/results-curricula.md) for each
/// protocol, task, model and rule that ran both: the largest N passed, forgetting and each
/// robustness area, as the medians over seeds of each curriculum with an exact two-sample
/// permutation p (the curricula train different heads on different stage sequences, so seeds are
/// not paired); and tau and tau_net from the first to the last N both curricula list.
public enum CurriculumContrast {
    /// What a condition label says besides its curriculum, which pairs a multi-head row with its
    /// single-head row: the model ("gru multi-head" → "gru"; "multi-head" → "leaky") and any
    /// qualifier after it ("gru single-head N=5" → "gru N=5", "multi-head N=3" → "leaky N=3";
    /// protocols/curriculum-matched.toml trains both curricula to the same N this way).
    static func model(of row: CurriculumReport.Row) -> String {
        guard let kind = row.results.first?.kind else { return row.condition }
        let words = row.condition.split(separator: " ").map(String.init).filter { $0 != kind.rawValue }
        guard let first = words.first else { return ModelKind.leaky.rawValue }
        return (ModelKind(rawValue: first) == nil ? [ModelKind.leaky.rawValue] + words : words).joined(separator: " ")
    }

    static func number(_ x: Double) -> String { CurriculumReport.number(x) }

    static func p(_ a: [Double], _ b: [Double], seed: String) -> String {
        guard !a.isEmpty, !b.isEmpty else { return "–" }
        let value = EffectSize.permutationTest(a, b, rng: RandomSource(seed: 1, stream: "curriculum-contrast/" + seed)).p
        return value < 0.001 ? "< 0.001" : String(format: "%.3g", value)
    }

    /// "9 / 7 (Δ 2 [1, 2], p 0.0079)": the two medians, the shift a − b with its 95% interval, and the permutation p.
    static func compared(_ a: [Double], _ b: [Double], seed: String) -> String {
        guard !a.isEmpty, !b.isEmpty else { return "–" }
        let shift = ShiftEstimate(a, b)
        return "\(number(Statistics.median(a))) / \(number(Statistics.median(b))) "
            + "(Δ \(number(shift.estimate)) [\(number(shift.low)), \(number(shift.high))], p \(p(a, b, seed: seed)))"
    }

    /// (N, median tau, median tau_net) for each N at least half the seeds passed (as the timescales table).
    static func timescales(_ row: CurriculumReport.Row) -> [(n: Int, tau: Double?, tauNet: Double)] {
        CurriculumReport.measuredStages(row).map { n, at in
            let tau = at.compactMap { $0.tauQuartiles?.median }
            return (n, tau.isEmpty ? nil : Statistics.median(tau), Statistics.median(at.map(\.tauNetQuartiles.median)))
        }
    }

    /// "N 2→8: tau 1.32→1, tau_net 0.96→0.51" over the N range both curricula list.
    static func trend(_ row: CurriculumReport.Row, within range: ClosedRange<Int>) -> String {
        let t = timescales(row).filter { range.contains($0.n) }
        guard let first = t.first, let last = t.last, t.count >= 2 else { return "–" }
        let tau = first.tau.flatMap { a in last.tau.map { b in "tau \(number(a))→\(number(b)), " } } ?? ""
        return "N \(first.n)→\(last.n): \(tau)tau_net \(number(first.tauNet))→\(number(last.tauNet))"
    }

    public static let header = [
        "protocol", "task", "model", "rule", "largest N: multi / single (p)", "relative accuracy on earlier N: multi / single (p)",
        "robustness area: multi / single (p)", "multi-head: tau, tau_net from first to last common N", "single-head: the same",
    ]

    public static func table(_ rows: [CurriculumReport.Row]) -> (header: [String], rows: [[String]]) {
        var out: [[String]] = []
        for multi in rows where multi.results.first?.kind == .multiHead {
            guard let single = rows.first(where: {
                $0.results.first?.kind == .singleHead && $0.protocolName == multi.protocolName && $0.task == multi.task
                    && $0.rule == multi.rule && model(of: $0) == model(of: multi)
            }) else { continue }
            let tag = "\(multi.protocolName)/\(multi.task)/\(model(of: multi))/\(multi.rule)"
            func largest(_ r: CurriculumReport.Row) -> [Double] { r.results.map { Double($0.largestN ?? 0) } }
            var kinds: [String] = []
            for curves in multi.robustness + single.robustness { for c in curves where !kinds.contains(c.kind) { kinds.append(c.kind) } }
            let areas = kinds.map { kind in
                let a = multi.robustness.compactMap { $0.first { $0.kind == kind }?.area }
                let b = single.robustness.compactMap { $0.first { $0.kind == kind }?.area }
                return "\(kind) \(compared(a, b, seed: tag + "/" + kind))"
            }
            let commonN = Set(timescales(multi).map(\.n)).intersection(timescales(single).map(\.n))
            let range = (commonN.min() ?? 0)...(commonN.max() ?? 0)
            out.append([
                multi.protocolName, multi.task, model(of: multi), multi.rule,
                compared(largest(multi), largest(single), seed: tag + "/largest"),
                compared(multi.results.compactMap(CurriculumReport.relativeAccuracyOnEarlierN), single.results.compactMap(CurriculumReport.relativeAccuracyOnEarlierN), seed: tag + "/forgetting"),
                areas.isEmpty ? "–" : areas.joined(separator: "; "),
                commonN.count >= 2 ? trend(multi, within: range) : "–", commonN.count >= 2 ? trend(single, within: range) : "–",
            ])
        }
        return (header, out)
    }

    public static let title = "Multi-head against single-head"

    public static let legend = "For each model and rule run under both curricula (docs/science.md, claims 4 and 5; the two rows pair by their condition label without the curriculum, e.g. gru N=5 where both trained to N = 5): the medians over seeds of multi-head and of single-head; Δ, how much larger multi-head is (the Hodges–Lehmann shift: the median of the differences between every multi-head and every single-head seed) with its distribution-free 95% interval (Moses, from the exact Mann–Whitney distribution); and the exact two-sample permutation p of the difference in means (seeds of different curricula are not paired; the smallest possible p is 0.0079 with 5 against 5 seeds, 5.4e-6 with 10 against 10; not corrected for the number of comparisons). Robustness areas are scored on each net's own largest-N head. tau and tau_net: the medians over seeds at the first and the last N that both curricula list in the timescales table (at least half the seeds passed it)."
}
