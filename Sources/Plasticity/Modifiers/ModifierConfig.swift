/// A value in a modifier entry of a rule or protocol file (TOML numbers and strings).
public enum ModifierValue: Equatable, Sendable {
    case number(Double)
    case text(String)
}

/// A modifier attached to a rule: `modifiers = [{ kind = "tcr", lambda = 0.3, schedule = "plateau" }, ...]`.
/// The registered kinds are `ModifierConfig.kinds`; file readers turn each TOML table into a
/// `[String: ModifierValue]` and call `parse`, which names the file, the key and the valid choices on bad input.
public enum ModifierConfig: Equatable, Sendable {
    /// Temporal consistency regularisation: an objective term (gradient rules), a learning-signal term
    /// (trace rules) or a scalar-loss term (perturbation rules), with a strength schedule.
    case tcr(TCRConfig)
    /// Short-term plasticity implementing TCR as fast weights within a trial.
    case shortTermPlasticity(ShortTermPlasticityConfig)

    /// Registered kinds, their one-line summaries, costs per step and numeric settings (for `plasticity rules` and docs).
    public static let kinds: [(id: String, summary: String, cost: String, settings: [ParameterSpec])] = [
        ("tcr", "temporal consistency regularisation: lambda · mean_t,b,j (h_t - h_{t-1})², with a schedule (constant, freeze-in, plateau)",
         TemporalConsistency.cost, TCRConfig.settings),
        (ShortTermPlasticity.id, ShortTermPlasticity.summary, ShortTermPlasticity.cost, ShortTermPlasticityConfig.settings),
    ]

    public static func parse(_ entry: [String: ModifierValue], file: String? = nil, key: String = "modifiers") throws -> ModifierConfig {
        guard case let .text(kind)? = entry["kind"] else {
            throw InputError.invalid("missing kind; valid: \(kinds.map(\.id).joined(separator: ", "))", file: file, key: key)
        }
        var numbers: [String: Double] = [:]
        var texts: [String: String] = [:]
        for (name, value) in entry where name != "kind" {
            switch value {
            case let .number(x): numbers[name] = x
            case let .text(s): texts[name] = s
            }
        }
        let owner = "\(key): \(kind)"
        func rejectTexts(except allowed: Set<String>) throws {
            if let name = texts.keys.sorted().first(where: { !allowed.contains($0) }) {
                throw InputError.invalid("'\(texts[name]!)' is not a number", file: file, key: "\(owner): \(name)")
            }
        }
        switch kind {
        case "tcr":
            try rejectTexts(except: ["schedule"])
            if let name = numbers["schedule"] {
                throw InputError.invalid("\(formatNumber(name)) is not a schedule; valid: \(TCRScheduleKind.allCases.map(\.rawValue).joined(separator: ", "))", file: file, key: "\(owner): schedule")
            }
            return .tcr(try TCRConfig(schedule: texts["schedule"] ?? TCRScheduleKind.constant.rawValue, settings: numbers, file: file, key: owner))
        case ShortTermPlasticity.id:
            try rejectTexts(except: [])
            return .shortTermPlasticity(try ShortTermPlasticityConfig(settings: numbers, file: file, key: owner))
        default:
            throw InputError.unknown("modifier kind", kind, valid: kinds.map(\.id), file: file, key: key)
        }
    }
}
