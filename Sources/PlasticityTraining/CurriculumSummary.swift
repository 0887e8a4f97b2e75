import Foundation

/// The result of `train --curriculum`, as the text and JSON the CLI prints (kept here so it is tested).
public enum CurriculumSummary {
    public static func text(_ run: CurriculumRun, _ r: CurriculumResult, settings: ResolvedConfiguration) -> String {
        var lines: [String] = []
        let spec = run.spec
        lines.append(
            "\(r.kind.rawValue) curriculum on \(spec.task), rule \(spec.rule), model \(spec.model.kind.rawValue) (hidden \(spec.model.hidden)), seed \(spec.seed)")
        let reached = r.largestN.map { "largest N passed \($0)" } ?? "no N passed"
        let end: String
        switch r.status {
        case .complete: end = "complete (max-N \(run.curriculum.maxN))"
        case .budget: end = "budget of \(spec.training.maxTrials) trials used"
        case .diverged: end = "diverged at trial \(r.divergedAtTrial ?? r.trialsTrained)"
        }
        lines.append("\(reached); \(end); \(r.trialsTrained) trials in " + String(format: "%.1f s", r.wallSeconds))
        lines.append("trials per N: " + r.stages.map { "N=\($0.largestN) \($0.trials)\($0.passed ? "" : " (not passed)")" }.joined(separator: ", "))
        func stream(_ s: StreamAccuracy) -> String {
            "N=\(s.n) " + String(format: "%.3f", s.accuracy) + (s.relative.map { String(format: " (relative %.2f)", $0) } ?? "")
        }
        if !r.retention.isEmpty { lines.append("stream accuracy on trained N: " + r.retention.map(stream).joined(separator: ", ")) }
        if !r.generalisation.isEmpty { lines.append("stream accuracy beyond: " + r.generalisation.map(stream).joined(separator: ", ")) }
        for m in r.measures ?? [] {
            let net = m.tauNetQuartiles
            var line = "N=\(m.largestN)" + (m.passed ? "" : " (not passed)") + ": "
            if let tau = m.tauQuartiles { line += String(format: "tau %.2f [%.2f, %.2f], ", tau.median, tau.q1, tau.q3) }
            line += String(format: "tau_net %.2f [%.2f, %.2f], ", net.median, net.q1, net.q3)
            line += "failed fits \(m.failedFits), "
            line += String(format: "dimension %.1f, participation ratio %.2f", m.dimension, m.participationRatio)
            lines.append(line)
        }
        lines += settings.textLines
        return lines.joined(separator: "\n")
    }

    /// `settings` (after precedence) beside `run.spec` (the stored configuration, before it).
    public static func json(_ run: CurriculumRun, _ r: CurriculumResult, settings: ResolvedConfiguration) throws -> String {
        struct Document: Encodable {
            var run: CurriculumRun
            var result: CurriculumResult
            var settings: ResolvedConfiguration
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase  // one key style for every command (docs/outputs.md)
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(Document(run: run, result: r, settings: settings)), as: UTF8.self)
    }
}
