/// TOMLKit's bundled toml++ asserts (aborting the process) on a table header whose first key
/// character is neither a bare-key character nor a quote (`[#`, `[=`, `[.a]`, `[[[a]]`, a lone `[`),
/// instead of reporting it; found by `make fuzz`. Such headers are refused here first, in the
/// form of every other TOML error. Lines inside multi-line strings are skipped.
public enum TOMLHeaderGuard {
    public static func check(_ text: String, file: String) throws {
        var inMultilineString = false
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let quotes = line.components(separatedBy: "\"\"\"").count - 1 + line.components(separatedBy: "'''").count - 1
            defer { if quotes % 2 == 1 { inMultilineString.toggle() } }
            if inMultilineString { continue }
            var rest = line.drop { $0 == " " || $0 == "\t" }
            guard rest.first == "[" else { continue }
            rest = rest.dropFirst()
            if rest.first == "[" { rest = rest.dropFirst() }
            rest = rest.drop { $0 == " " || $0 == "\t" }
            let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-\"']")
            if let first = rest.first, allowed.contains(first) { continue }
            let found = rest.first.map { $0 == "\r" ? "the end of the line" : "'\($0)'" } ?? "the end of the line"
            throw InputError.invalid(
                "malformed TOML at line \(index + 1): a table header must start with a key, found \(found); valid: [name], [name.sub], [[name]]",
                file: file)
        }
    }
}
