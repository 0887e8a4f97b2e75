/// The command that resumes an interrupted run, as a shell line: "resume with: plasticity ...".
/// A protocol run (`run`, `compare --db`) resumes with the command as given (stored cells are
/// skipped); `train` with the same options plus `--resume CHECKPOINT` (replacing an earlier one).
public enum ResumeCommand {
    /// `arguments`: the process's arguments (the first, the executable, is written `plasticity`).
    /// `setting`: an option (e.g. `--resume`) to give `value`, replacing it where it is already given.
    public static func line(_ arguments: [String], setting option: String? = nil, to value: String? = nil) -> String {
        var words = Array(arguments.dropFirst())
        if let option, let value {
            var kept: [String] = []
            var index = 0
            while index < words.count {
                if words[index] == option {
                    index += 2  // the option and its value
                    continue
                }
                if !words[index].hasPrefix(option + "=") { kept.append(words[index]) }
                index += 1
            }
            words = kept + [option, value]
        }
        return "resume with: " + (["plasticity"] + words.map(quoted)).joined(separator: " ")
    }

    /// A word as a shell reads it back: quoted when empty or holding a space, quote, `$` or backslash.
    static func quoted(_ word: String) -> String {
        guard word.isEmpty || word.contains(where: { " '\"$\\".contains($0) }) else { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
