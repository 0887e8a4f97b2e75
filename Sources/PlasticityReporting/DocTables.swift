/// Tables in README.md and docs/*.md generated from the catalogs, each between
/// `<!-- generated: NAME (make doc-tables) -->` and `<!-- end generated -->`.
/// `make doc-tables` replaces them with `plasticity rules --markdown`, `tasks --markdown` and
/// `protocols --markdown` (the protocol and rule-file key reference);
/// a test fails when a document is stale.
public enum DocTables {
    public struct Table: Equatable, Sendable {
        public var name: String
        public var markdown: String

        public init(name: String, markdown: String) {
            self.name = name
            self.markdown = markdown
        }

        /// The table between its markers, as the documents hold it.
        public var block: String { "\(DocTables.startMarker(name))\n\(markdown)\n\(DocTables.endMarker)" }
    }

    public static let endMarker = "<!-- end generated -->"

    public static func startMarker(_ name: String) -> String { "<!-- generated: \(name) (make doc-tables) -->" }

    /// Every generated table: the shipped rules (no user directories), the standard tasks and the key reference.
    public static func all(rules: RuleLibrary, tasks: TaskRegistry = .standard) -> [Table] {
        RuleCatalog.markdownTables(rules) + TaskCatalog.markdownTables(tasks) + ProtocolKeysMarkdown.tables()
    }

    /// The names of the generated blocks in `text`, in order.
    public static func names(in text: String) -> [String] {
        text.components(separatedBy: "\n").compactMap { line in
            guard line.hasPrefix("<!-- generated: "), line.hasSuffix(" (make doc-tables) -->") else { return nil }
            return String(line.dropFirst("<!-- generated: ".count).dropLast(" (make doc-tables) -->".count))
        }
    }

    /// `text` with every marked block replaced by the table of that name (unknown names and
    /// blocks without an end marker are left as they are).
    public static func replacingBlocks(in text: String, with tables: [Table]) -> String {
        var output: [String] = []
        var lines = text.components(separatedBy: "\n")[...]
        while let line = lines.popFirst() {
            let name = names(in: line).first
            guard let name, let table = tables.first(where: { $0.name == name }), let end = lines.firstIndex(of: endMarker) else {
                output.append(line)
                continue
            }
            output.append(table.block)
            lines = lines[(end + 1)...]
        }
        return output.joined(separator: "\n")
    }
}
