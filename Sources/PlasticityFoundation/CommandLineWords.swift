import Foundation

/// What the CLI does to its words before the argument parser sees them, and the messages of the
/// mistakes the parser itself words poorly (kept here so they are tested in the library).
public enum CommandLineWords {
    /// `--hidden -5` becomes `--hidden=-5`: the parser would take `-5` for an option and report
    /// a missing value; joined, the value reaches the range check, which names the valid range.
    public static func joiningNegativeValues(_ words: [String]) -> [String] {
        var out: [String] = []
        var i = 0
        while i < words.count {
            let word = words[i]
            if word.hasPrefix("--"), !word.contains("="), word != "--", i + 1 < words.count, isNegativeNumber(words[i + 1]) {
                out.append("\(word)=\(words[i + 1])")
                i += 2
            } else {
                out.append(word)
                i += 1
            }
        }
        return out
    }

    static func isNegativeNumber(_ word: String) -> Bool {
        word.hasPrefix("-") && Double(word) != nil
    }

    /// The error line for a first word that names no subcommand (`plasticity trian ...`), or nil.
    /// `levels(path)` gives the subcommands below `path`; the walk follows the words that name one.
    public static func unknownSubcommand(_ words: [String], levels: ([String]) -> [String]) -> String? {
        var path: [String] = []
        for word in words {
            let names = levels(path)
            if names.isEmpty || word.hasPrefix("-") { return nil }
            if names.contains(word) || word == "help" {
                path.append(word)
                continue
            }
            let command = (["plasticity"] + path).joined(separator: " ")
            return "\(command): unknown command '\(word)'\(Suggestion.phrase(for: word, in: names)); valid: \(names.joined(separator: ", "))"
        }
        return nil
    }

    /// ArgumentParser's "Unknown option '--tsk'" as our line, with the closest option of the command
    /// (`options`: the long options its help lists).
    public static func unknownOption(_ message: String, command: [String], options: [String]) -> String? {
        guard let range = message.range(of: #"^Unknown option '([^']+)'"#, options: .regularExpression) else { return nil }
        let option = String(message[range].dropFirst("Unknown option '".count).dropLast())
        let name = (["plasticity"] + command).joined(separator: " ")
        return "\(name): unknown option '\(option)'\(Suggestion.phrase(for: option, in: options)); valid: the options `\(name) --help` lists"
    }

    /// The error line for the first `--option` of `words` that the command does not have (checked
    /// before parsing, so a typo is named even when a required option then looks missing).
    public static func firstUnknownOption(_ words: [String], command: [String], options: [String]) -> String? {
        let known = Set(options + ["--help", "--version", "--experimental-dump-help", "--generate-completion-script"])
        for word in words {
            if word == "--" { return nil }
            guard word.hasPrefix("--") else { continue }
            let name = String(word.split(separator: "=", maxSplits: 1).first ?? "")
            if !known.contains(name) { return unknownOption("Unknown option '\(name)'", command: command, options: options) }
        }
        return nil
    }

    /// The long options (`--name`) a help text lists, in order.
    public static func longOptions(inHelp help: String) -> [String] {
        guard let regex = try? NSRegularExpression(pattern: #"(?<![\w-])--[a-z][a-z0-9-]*"#) else { return [] }
        let matches = regex.matches(in: help, range: NSRange(help.startIndex..., in: help))
        return matches.compactMap { Range($0.range, in: help).map { String(help[$0]) } }.uniqued()
    }
}
