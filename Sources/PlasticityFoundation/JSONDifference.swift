import Foundation

/// The keys in which two JSON documents differ, as dotted paths with both values
/// ("spec.training.maxTrials 320 → 352"): what a refusal to mix a changed protocol names.
public enum JSONDifference {
    public static func lines(stored: String, current: String, limit: Int = 4) -> [String] {
        guard let a = try? JSONDecoder().decode(JSONValue.self, from: Data(stored.utf8)),
              let b = try? JSONDecoder().decode(JSONValue.self, from: Data(current.utf8)) else { return [] }
        var flatA: [String: String] = [:], flatB: [String: String] = [:]
        a.flattened(into: &flatA)
        b.flattened(into: &flatB)
        let keys = Set(flatA.keys).union(flatB.keys).sorted().filter { flatA[$0] != flatB[$0] }
        var lines = keys.prefix(limit).map { "\($0) \(flatA[$0] ?? "absent") → \(flatB[$0] ?? "absent")" }
        if keys.count > limit { lines.append("and \(keys.count - limit) more") }
        return lines
    }
}
