/// A Markdown table from a header and rows of plain text (pipes escaped, line breaks as spaces).
public enum MarkdownTable {
    public static func render(header: [String], rows: [[String]]) -> String {
        let lines = ["| " + header.map(cell).joined(separator: " | ") + " |", "|" + header.map { _ in "---" }.joined(separator: "|") + "|"]
            + rows.map { "| " + $0.map(cell).joined(separator: " | ") + " |" }
        return lines.joined(separator: "\n")
    }

    static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}
