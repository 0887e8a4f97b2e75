/// The task table of docs/models-and-tasks.md, generated from the registry
/// (`plasticity tasks --markdown`, `make doc-tables`).
extension TaskCatalog {
    public static func markdown(_ registry: TaskRegistry = .standard) -> String {
        MarkdownTable.render(
            header: ["id", "what", "inputs", "outputs, loss", "timing", "parameters (default, range)"],
            rows: registry.types.map { type in
                let m = type.metadata
                let parameters = type.parameterSpecs.map { s in
                    "\(s.name) (\(formatNumber(s.defaultValue)), \(RuleCatalog.markdownRange(s)))"
                }
                return ["`\(type.id)`", m.summary, m.inputs, m.outputs, m.timing, parameters.isEmpty ? "—" : parameters.joined(separator: ", ")]
            })
    }

    public static func markdownTables(_ registry: TaskRegistry = .standard) -> [DocTables.Table] {
        [DocTables.Table(name: "tasks", markdown: markdown(registry))]
    }
}
