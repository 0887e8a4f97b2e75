/// A value in a modifier entry of a rule or protocol file (TOML numbers and strings).
public enum ModifierValue: Equatable, Sendable {
    case number(Double)
    case text(String)
}

/// A modifier attached to a rule: `modifiers = [{ kind = "tcr", lambda = 0.3, schedule = "plateau" }, ...]`.
/// The kinds are registered in `ModifierRegistry.standard`; file readers turn each TOML table into a
/// `[String: ModifierValue]` and call `parse`, which names the file, the key and the valid choices on bad input.
public enum ModifierConfig: Equatable, Sendable {
    /// Temporal consistency regularisation: an objective term (gradient rules), a learning-signal term
    /// (trace rules) or a scalar-loss term (perturbation rules), with a strength schedule.
    case tcr(TCRConfig)
    /// Short-term plasticity implementing TCR as fast weights within a trial.
    case shortTermPlasticity(ShortTermPlasticityConfig)

    /// The registered kinds (`ModifierRegistry.standard`), for `plasticity rules` and the docs.
    public static var kinds: [ModifierKind] { ModifierRegistry.standard.kinds }

    /// One entry of a `modifiers` array, read by `registry`'s kind of that name.
    public static func parse(
        _ entry: [String: ModifierValue], file: String? = nil, key: String = "modifiers", registry: ModifierRegistry = .standard
    ) throws -> ModifierConfig {
        try registry.parse(entry, file: file, key: key)
    }
}
