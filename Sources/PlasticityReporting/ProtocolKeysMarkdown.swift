/// The key reference of docs/protocols.md and docs/rules.md, rendered from the declarations the
/// parsers read keys through (`ProtocolKeys`, `RuleConfiguration.keySpecs`) and from the registries
/// (every task's parameters, every rule's settings, every modifier's): `plasticity protocols
/// --markdown`, `make doc-tables`.
public enum ProtocolKeysMarkdown {
    /// key | type | default | range or choices | meaning.
    public static func keyTable(_ keys: [KeySpec]) -> String {
        MarkdownTable.render(
            header: ["key", "type", "default", "range or choices", "meaning"],
            rows: keys.map { ["`\($0.name)`", $0.typeText, $0.defaultText, $0.rangeText, $0.meaning] })
    }

    /// A setting's columns: type, default, range or choices, meaning.
    static func settingColumns(_ s: ParameterSpec) -> [String] {
        [
            s.isChoice ? "string" : s.isInteger ? "integer" : "number", s.isChoice ? "`\(s.text(s.defaultValue))`" : formatNumber(s.defaultValue),
            s.isChoice ? s.choices.map { "`\($0)`" }.joined(separator: ", ") : KeySpec.boundsText(s.range.lowerBound, s.range.upperBound), s.doc,
        ]
    }

    /// Every task's parameters (`[task-parameters]`, `--task-param`), from the task registry.
    public static func taskParameters(_ registry: TaskRegistry = .standard) -> String {
        MarkdownTable.render(
            header: ["task", "parameter", "type", "default", "range", "meaning"],
            rows: registry.types.flatMap { type in type.parameterSpecs.map { ["`\(type.id)`", "`\($0.name)`"] + settingColumns($0) } })
    }

    /// Every rule implementation's settings (`[rule-settings.<rule>]`, a rule file's `[hyperparameters]`,
    /// `--rule-param`); a choice is written by its name.
    public static func ruleSettings(_ registry: RuleRegistry = .standard) -> String {
        MarkdownTable.render(
            header: ["implementation", "setting", "type", "default", "range or choices", "meaning"],
            rows: registry.types.flatMap { type in type.settingSpecs.map { ["`\(type.id)`", "`\($0.name)`"] + settingColumns($0) } })
    }

    /// Every modifier kind's settings (`modifiers = [{ kind = "...", ... }]` in protocol and rule files).
    public static func modifierSettings() -> String {
        MarkdownTable.render(
            header: ["kind", "setting", "type", "default", "range or choices", "meaning"],
            rows: ModifierConfig.kinds.flatMap { kind in
                kind.textSettings.sorted().map { name in
                    // TCR's schedule is the one text setting.
                    ["`\(kind.id)`", "`\(name)`", "string", "`\(TCRScheduleKind.constant.rawValue)`",
                     TCRScheduleKind.allCases.map { "`\($0.rawValue)`" }.joined(separator: ", "), "how lambda changes over training (docs/tcr-and-geometry.md)"]
                } + kind.settings.map { ["`\(kind.id)`", "`\($0.name)`"] + settingColumns($0) }
            })
    }

    /// The named tables `plasticity protocols --markdown` prints and the docs hold.
    public static func tables() -> [DocTables.Table] {
        ProtocolKeys.sections.map { DocTables.Table(name: $0.docName, markdown: keyTable($0.keys)) } + [
            DocTables.Table(name: "protocol-task-parameters", markdown: taskParameters()),
            DocTables.Table(name: "protocol-rule-settings", markdown: ruleSettings()),
            DocTables.Table(name: "protocol-modifier-settings", markdown: modifierSettings()),
            DocTables.Table(name: "rule-file-keys", markdown: keyTable(RuleConfiguration.keySpecs)),
            DocTables.Table(name: "rule-file-optimizer-keys", markdown: keyTable(OptimizerSettings.keySpecs)),
        ]
    }
}
