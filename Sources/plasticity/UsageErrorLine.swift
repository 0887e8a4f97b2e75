import Foundation
import Plasticity

/// ArgumentParser's messages for a bad option value, in the form of every other input error:
/// `--OPTION: unknown value 'X'; valid: a, b, c` (its own: "The value 'X' is invalid for
/// '--OPTION <name>'. Please provide one of 'a', 'b' or 'c'."), and for a value our transform
/// rejected, `--OPTION: <our message>`; a value of the wrong type, `--OPTION: invalid value 'X'`. Any other message is returned unchanged.
enum UsageErrorLine {
    static func rewrite(_ message: String) -> String {
        let pattern = #"^The value '(.*)' is invalid for '(-[^ ']+)(?: <[^>]*>)?'(?:\. Please provide one of (.*)\.|: (.*))?$"#
        guard let regex = try? NSRegularExpression(pattern: pattern),
              let match = regex.firstMatch(in: message, range: NSRange(message.startIndex..., in: message)) else { return message }
        func group(_ i: Int) -> String? { Range(match.range(at: i), in: message).map { String(message[$0]) } }
        guard let value = group(1), let option = group(2) else { return message }
        if let reason = group(4) { return "\(option): \(reason)" }
        guard let list = group(3) else { return "\(option): invalid value '\(value)'" }
        let choices = list.split(separator: "'", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
        return "\(option): unknown value '\(value)'\(Suggestion.phrase(for: value, in: choices)); valid: \(choices.joined(separator: ", "))"
    }
}
