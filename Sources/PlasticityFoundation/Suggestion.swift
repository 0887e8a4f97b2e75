/// "Did you mean": the valid name closest to a mistyped one, by edit distance (insertions,
/// deletions, substitutions and swaps of neighbours each count 1), when it is close enough to be a
/// typo — at most 2 edits and fewer than half the name's characters.
public enum Suggestion {
    public static func closest(to name: String, in valid: [String]) -> String? {
        let typed = Array(name.lowercased())
        var best: (name: String, distance: Int)?
        for candidate in valid {
            let d = distance(typed, Array(candidate.lowercased()))
            if d <= 2, d * 2 < max(typed.count, 2), d < (best?.distance ?? .max) { best = (candidate, d) }
        }
        return best?.name
    }

    /// Optimal string alignment distance (Damerau–Levenshtein without repeated edits of a substring).
    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
            }
        }
        return d[a.count][b.count]
    }

    /// " (did you mean 'train'?)" or "".
    public static func phrase(for name: String, in valid: [String]) -> String {
        closest(to: name, in: valid).map { " (did you mean '\($0)'?)" } ?? ""
    }
}
