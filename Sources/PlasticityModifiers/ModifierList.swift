import TOMLKit

/// Reading and combining the `modifiers` of a rule file, a protocol or a run.
extension ModifierConfig {
    /// The entry's kind, as files name it (`tcr`, `stp`).
    public var kind: String {
        switch self {
        case .tcr: return "tcr"
        case .shortTermPlasticity: return ShortTermPlasticity.id
        }
    }

    /// `modifiers = [{ kind = "tcr", lambda = 0.3 }, { kind = "stp", eta = 0.05 }]` from a TOML value:
    /// an array of inline tables whose values are numbers or strings, each parsed by `parse`.
    /// A kind given twice is an error (`merged`).
    public static func list(
        fromTOML value: TOMLValueConvertible, file: String? = nil, key: String = "modifiers", registry: ModifierRegistry = .standard
    ) throws -> [ModifierConfig] {
        let valid = "an array of tables, e.g. [{ kind = \"tcr\", lambda = 0.3 }]"
        guard let array = value.tomlValue.array else { throw InputError.invalid("expected \(valid)", file: file, key: key) }
        var configs: [ModifierConfig] = []
        for i in 0..<array.count {
            guard let table = array[i].tomlValue.table else {
                throw InputError.invalid("expected a table; valid: \(valid)", file: file, key: "\(key)[\(i)]")
            }
            var entry: [String: ModifierValue] = [:]
            for name in table.keys.sorted() {
                let v = table[name]!.tomlValue
                switch v.type {
                case .string: entry[name] = .text(v.string!)
                case .int: entry[name] = .number(Double(v.int!))
                case .double: entry[name] = .number(v.double!)
                default: throw InputError.invalid("expected a number or a string", file: file, key: "\(key)[\(i)].\(name)")
                }
            }
            configs.append(try parse(entry, file: file, key: key, registry: registry))
        }
        return try merged([configs], file: file, key: key)
    }

    /// The modifiers of several sources (rule file, then protocol or run) in order; each kind may
    /// appear once in all of them together (two TCR strengths would be ambiguous).
    public static func merged(_ sources: [[ModifierConfig]], file: String? = nil, key: String = "modifiers") throws -> [ModifierConfig] {
        var all: [ModifierConfig] = []
        for config in sources.joined() {
            if all.contains(where: { $0.kind == config.kind }) {
                throw InputError.invalid(
                    "a second '\(config.kind)' modifier; valid: at most one of each kind (\(kinds.map(\.id).joined(separator: ", ")))",
                    file: file, key: key)
            }
            all.append(config)
        }
        return all
    }
}

/// Stored in run specs and results as `{ "kind": "tcr", "tcr": { ...settings } }`.
extension ModifierConfig: Codable {
    enum CodingKeys: String, CodingKey { case kind, tcr, stp }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try c.decode(String.self, forKey: .kind)
        switch kind {
        case "tcr": self = .tcr(try c.decode(TCRConfig.self, forKey: .tcr))
        case ShortTermPlasticity.id: self = .shortTermPlasticity(try c.decode(ShortTermPlasticityConfig.self, forKey: .stp))
        default:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: c, debugDescription: "unknown modifier kind '\(kind)'")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        switch self {
        case let .tcr(config): try c.encode(config, forKey: .tcr)
        case let .shortTermPlasticity(config): try c.encode(config, forKey: .stp)
        }
    }
}

extension TOMLFields {
    /// Rule modifiers (`modifiers = [{ kind = "tcr", ... }]`), parsed by `ModifierConfig.list`.
    package mutating func modifiers(_ key: String, default fallback: [ModifierConfig]) throws -> [ModifierConfig] {
        guard let v = value(key) else { return fallback }
        return try ModifierConfig.list(fromTOML: v, file: file, key: keyPath(key))
    }

    package mutating func modifiers(_ key: KeySpec, default fallback: [ModifierConfig]) throws -> [ModifierConfig] {
        try modifiers(key.name, default: fallback)
    }
}
