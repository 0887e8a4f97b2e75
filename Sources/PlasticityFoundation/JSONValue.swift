/// Any JSON value with its type kept exactly (JSONSerialization on Linux reads `true` as the
/// number 1): for comparing documents key by key.
public indirect enum JSONValue: Decodable, Equatable, Sendable {
    case null, flag(Bool), number(Double), text(String), list([JSONValue]), object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .flag(b) }
        else if let x = try? c.decode(Double.self) { self = .number(x) }
        else if let s = try? c.decode(String.self) { self = .text(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .list(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    /// Leaves as dotted paths ("spec.training.maxTrials") with their values as text.
    public func flattened(path: String = "", into out: inout [String: String]) {
        switch self {
        case .null: out[path] = "null"
        case .flag(let b): out[path] = "\(b)"
        case .number(let x): out[path] = formatNumber(x)
        case .text(let s): out[path] = s
        case .list(let a):
            if a.isEmpty { out[path] = "[]" }
            for (i, v) in a.enumerated() { v.flattened(path: "\(path)[\(i)]", into: &out) }
        case .object(let o):
            if o.isEmpty { out[path] = "{}" }
            for (k, v) in o { v.flattened(path: path.isEmpty ? k : "\(path).\(k)", into: &out) }
        }
    }
}
