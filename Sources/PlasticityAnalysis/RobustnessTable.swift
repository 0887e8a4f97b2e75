import Foundation

/// The text `plasticity ablate` and `perturb` print: one block per curve, level and accuracy,
/// then the area under the curve.
public enum RobustnessTable {
    public static func text(_ curves: [RobustnessCurve]) -> String {
        var lines: [String] = []
        for c in curves {
            lines.append("\(c.kind): level  accuracy")
            for (level, accuracy) in zip(c.levels, c.accuracy) {
                lines.append(String(format: "  %8.4f  %8.4f", level, accuracy))
            }
            lines.append(String(format: "  area %.4f", c.area))
        }
        return lines.joined(separator: "\n")
    }

    public static func json(_ curves: [RobustnessCurve]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase  // one key style for every command (docs/outputs.md)
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(curves), as: UTF8.self)
    }
}

extension SavedNetwork {
    /// Runs `plan` on this network; draws come from the "analysis" streams of `seed` (by default the
    /// network's training seed), exactly as a protocol cell with that seed would.
    public func analyse(_ plan: AnalysisPlan, seed: UInt64? = nil, file: String? = nil) throws -> [RobustnessCurve] {
        try plan.validate(file: file)
        let (task, model) = try rebuild(file: file)
        return plan.run(model: model, task: task, seed: seed ?? self.seed, sharedEvaluation: true)
    }
}
