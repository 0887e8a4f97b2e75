/// A modifier kind that rule and protocol files name (`modifiers = [{ kind = "ID", ... }]`): its
/// listing (summary, cost, numeric settings) and how an entry becomes a `ModifierConfig`.
public struct ModifierKind: Sendable {
    public let id: String
    public let summary: String
    public let cost: String
    public let settings: [ParameterSpec]
    /// Settings given as text rather than numbers (TCR's `schedule`); any other text is an error.
    public let textSettings: Set<String>
    /// The entry's numeric and text settings → its configuration; `owner` ("modifiers: ID") prefixes error keys.
    public let make: @Sendable (_ numbers: [String: Double], _ texts: [String: String], _ file: String?, _ owner: String) throws -> ModifierConfig

    public init(
        id: String, summary: String, cost: String, settings: [ParameterSpec], textSettings: Set<String> = [],
        make: @escaping @Sendable (_ numbers: [String: Double], _ texts: [String: String], _ file: String?, _ owner: String) throws -> ModifierConfig
    ) {
        self.id = id
        self.summary = summary
        self.cost = cost
        self.settings = settings
        self.textSettings = textSettings
        self.make = make
    }
}

/// Explicit registry of modifier kinds, like `RuleRegistry`: duplicates rejected, unknown kinds
/// answered with the list of valid ones. `standard` is the one place where kinds are registered.
/// A kind configures a mechanism `RunModifiers` runs (TCR, STP); a new mechanism also needs its hook there.
public struct ModifierRegistry: Sendable {
    public private(set) var kinds: [ModifierKind] = []

    public init() {}

    public mutating func register(_ kind: ModifierKind) throws {
        guard !kinds.contains(where: { $0.id == kind.id }) else {
            throw InputError.invalid("modifier kind '\(kind.id)' registered twice; valid: one registration per kind")
        }
        kinds.append(kind)
    }

    public static let standard: ModifierRegistry = {
        var r = ModifierRegistry()
        try! r.register(TCRConfig.modifierKind)
        try! r.register(ShortTermPlasticityConfig.modifierKind)
        return r
    }()

    public var ids: [String] { kinds.map(\.id) }

    public func kind(_ id: String, file: String? = nil, key: String = "modifiers") throws -> ModifierKind {
        guard let kind = kinds.first(where: { $0.id == id }) else {
            throw InputError.unknown("modifier kind", id, valid: ids, file: file, key: key)
        }
        return kind
    }

    /// One entry of a `modifiers` array: `kind` names a registered kind, the other keys its settings.
    public func parse(_ entry: [String: ModifierValue], file: String? = nil, key: String = "modifiers") throws -> ModifierConfig {
        guard case let .text(id)? = entry["kind"] else {
            throw InputError.invalid("missing kind; valid: \(ids.joined(separator: ", "))", file: file, key: key)
        }
        let kind = try kind(id, file: file, key: key)
        var numbers: [String: Double] = [:]
        var texts: [String: String] = [:]
        for (name, value) in entry where name != "kind" {
            switch value {
            case let .number(x): numbers[name] = x
            case let .text(s): texts[name] = s
            }
        }
        let owner = "\(key): \(id)"
        if let name = texts.keys.sorted().first(where: { !kind.textSettings.contains($0) }) {
            throw InputError.invalid("'\(texts[name]!)' is not a number", file: file, key: "\(owner): \(name)")
        }
        return try kind.make(numbers, texts, file, owner)
    }
}

extension TCRConfig {
    static let modifierKind = ModifierKind(
        id: "tcr",
        summary: "temporal consistency regularisation: lambda · mean_t,b,j (h_t - h_{t-1})², with a schedule (\(TCRScheduleKind.allCases.map(\.rawValue).joined(separator: ", ")))",
        cost: TemporalConsistency.cost, settings: TCRConfig.settings, textSettings: ["schedule"]
    ) { numbers, texts, file, owner in
        if let name = numbers["schedule"] {
            throw InputError.invalid(
                "\(formatNumber(name)) is not a schedule; valid: \(TCRScheduleKind.allCases.map(\.rawValue).joined(separator: ", "))",
                file: file, key: "\(owner): schedule")
        }
        return .tcr(try TCRConfig(schedule: texts["schedule"] ?? TCRScheduleKind.constant.rawValue, settings: numbers, file: file, key: owner))
    }
}

extension ShortTermPlasticityConfig {
    static let modifierKind = ModifierKind(
        id: ShortTermPlasticity.id, summary: ShortTermPlasticity.summary, cost: ShortTermPlasticity.cost, settings: ShortTermPlasticityConfig.settings
    ) { numbers, _, file, owner in
        .shortTermPlasticity(try ShortTermPlasticityConfig(settings: numbers, file: file, key: owner))
    }
}
