/// The settings table of a report section: every setting each rule ran with, after precedence
/// (`ResolvedConfiguration`), one row per setting and one column per rule, the rows where the rules
/// differ marked — so a reader sees whether a comparison shared its optimiser or not.
extension GroupSummary {
    public static let settingsLegend =
        "Settings that ran (after precedence: defaults, the rule file, the protocol, its conditions; docs/outputs.md). Rows in bold differ between rules: a difference in the optimiser or learning rate is part of what the table above compares."

    /// nil when no run of the group has stored settings (files written before they were stored and
    /// whose rule no longer resolves).
    public var settingsTable: (header: [String], rows: [(cells: [String], differs: Bool)])? {
        let present = rules.map(\.rule).filter { settings[$0] != nil }
        guard !present.isEmpty else { return nil }
        let pairs = present.map { Dictionary(settings[$0]!.flattened.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a }) }
        var names: [String] = []
        for rule in present {
            for (name, _) in settings[rule]!.flattened where !names.contains(name) { names.append(name) }
        }
        let rows = names.map { name -> (cells: [String], differs: Bool) in
            let values = pairs.map { $0[name] ?? "–" }
            return ([name] + values.map { $0.isEmpty ? "–" : $0 }, Set(values).count > 1)
        }
        return (["setting"] + present, rows)
    }
}
