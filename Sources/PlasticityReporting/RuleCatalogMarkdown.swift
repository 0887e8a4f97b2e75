/// The rule tables of README.md and docs/rules.md, generated from the registry and the shipped
/// rule files (`plasticity rules --markdown`, `make doc-tables`).
extension RuleCatalog {
    /// A hyperparameter or setting as a table cell: `name` default (range or choices).
    static func markdownSetting(_ s: ParameterSpec) -> String {
        "`\(s.name)` \(s.text(s.defaultValue)) (\(s.isChoice ? s.choices.joined(separator: " / ") : markdownRange(s)))"
    }

    /// `1…100`, `0.001…1`: the range with numbers as the docs write them.
    static func markdownRange(_ s: ParameterSpec) -> String {
        "\(formatNumber(s.range.lowerBound))…\(formatNumber(s.range.upperBound))"
    }

    /// One row per registered implementation: id, locality, models, what it does, cost, hyperparameters.
    public static func implementationsMarkdown(_ registry: RuleRegistry = .standard) -> String {
        MarkdownTable.render(
            header: ["id", "locality", "models", "what it does", "cost per step", "hyperparameters (default, range)"],
            rows: registry.types.map { type in
                [
                    "`\(type.id)`", type.locality.rawValue, type.supportedModels.map(\.rawValue).joined(separator: ", "), type.summary, type.cost,
                    type.hyperparameters.isEmpty ? "—" : type.hyperparameters.map(markdownSetting).joined(separator: ", "),
                ]
            })
    }

    /// One row per rule configuration: name, implementation, locality, description, settings that differ from the implementation's.
    public static func configurationsMarkdown(_ library: RuleLibrary) -> String {
        MarkdownTable.render(
            header: ["rule file", "implementation", "locality", "what it is", "settings"],
            rows: library.configurations.map { c in
                let type = try? library.registry.type(c.implementation)
                var settings: [String] = []
                for s in type?.settingSpecs ?? [] where c.hyperparameters[s.name] != nil {
                    settings.append("\(s.name) = \(s.text(c.hyperparameters[s.name]!))")
                }
                if !c.modifiers.isEmpty { settings.append("modifiers: \(c.modifiers.map(\.kind).joined(separator: ", "))") }
                if !c.optimizer.isEmpty { settings.append(c.optimizer.text) }
                return ["`\(c.name)`", c.implementation, type?.locality.rawValue ?? "?", c.description, settings.joined(separator: "; ")]
            })
    }

    /// One row per registered modifier kind: kind, what it does, cost, settings.
    public static func modifiersMarkdown() -> String {
        MarkdownTable.render(
            header: ["kind", "what it does", "cost per step", "settings (default, range)"],
            rows: ModifierConfig.kinds.map { kind in
                ["`\(kind.id)`", kind.summary, kind.cost, kind.settings.map(markdownSetting).joined(separator: ", ")]
            })
    }

    /// The named tables `plasticity rules --markdown` prints and the docs hold.
    public static func markdownTables(_ library: RuleLibrary) -> [DocTables.Table] {
        [
            DocTables.Table(name: "rule-files", markdown: configurationsMarkdown(library)),
            DocTables.Table(name: "rules", markdown: implementationsMarkdown(library.registry)),
            DocTables.Table(name: "modifiers", markdown: modifiersMarkdown()),
        ]
    }
}
