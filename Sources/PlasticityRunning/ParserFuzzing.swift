import Foundation

/// What the fuzz target (Fuzz/, `make fuzz`) and its regression test feed arbitrary bytes to: the
/// protocol parser (with its validation), the rule-file parser, the saved-network reader and the
/// checkpoint reader. Bad input must come back as an `InputError` (one line); anything else — a
/// trap, or another error type escaping unformatted — is a finding.
public enum ParserFuzzing {
    /// Returns the errors that were not `InputError`s (a fuzz target traps on them).
    public static func exercise(_ data: Data) -> [String] {
        var escaped: [String] = []
        func attempt(_ what: String, _ body: () throws -> Void) {
            do { try body() } catch is InputError {} catch { escaped.append("\(what): \(type(of: error)): \(error)") }
        }
        // The loaders refuse text that is not UTF-8 before parsing; so does this.
        if let text = String(data: data, encoding: .utf8) {
            attempt("protocol") { _ = try ProtocolParser.parse(text, file: "fuzz.toml", defaultName: "fuzz") }
            attempt("rule file") { _ = try RuleConfiguration.parse(text, name: "fuzz", file: "fuzz.toml") }
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plasticity-fuzz-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("input.json").path
        guard FileManager.default.createFile(atPath: file, contents: data) else { return escaped }
        attempt("saved network") { _ = try SavedNetwork.load(from: file).rebuild(file: file) }
        attempt("checkpoint") { _ = try TrainingCheckpoint.load(from: file) }
        return escaped
    }
}
