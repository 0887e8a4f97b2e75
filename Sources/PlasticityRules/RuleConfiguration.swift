import Foundation
import TOMLKit

/// A ready configuration of a learning rule: a rules/*.toml file, or an implementation's defaults.
///
///     implementation = "eprop"
///     description = "e-prop with fixed random feedback"
///     citation = "Bellec et al. 2020, Nature Communications 11:3625"
///     [hyperparameters]
///     feedback = "random"
///     modifiers = [{ kind = "tcr", lambda = 0.3, schedule = "constant" }]   # optional: tcr, stp
///     [optimizer]            # optional: kind, learning-rate, momentum, nesterov, clip
///     learning-rate = 0.003
///
/// The name is the file's base name. Loading validates everything; bad input is one InputError
/// line naming the file, the key and the valid choices.
public struct RuleConfiguration: Codable, Equatable, Sendable {
    public var name: String
    public var implementation: String
    public var description: String
    public var citation: String
    /// The values the configuration states (a choice is stored as its index); the rest take defaults.
    public var hyperparameters: [String: Double]
    public var optimizer: OptimizerSettings
    /// Rule modifiers the configuration attaches (TCR, short-term plasticity); a run adds its own.
    public var modifiers: [ModifierConfig]
    /// The file it was loaded from; nil for an implementation's built-in defaults.
    public var file: String?

    /// The keys of a rule file, declared once: the parser's list of valid keys and docs/rules.md's table (`make doc-tables`).
    public static let keySpecs = [
        KeySpec("implementation", .custom(type: "string", range: "a registered rule id (`plasticity rules`)"), default: "**required**", "the rule this file configures"),
        KeySpec("description", .string, default: "**required**", "one line, shown by `plasticity rules` and in the docs"),
        KeySpec("citation", .string, default: "**required**", "authors year, venue"),
        KeySpec(
            "hyperparameters", .custom(type: "table", range: "the implementation's settings (docs/protocols.md lists every one)"), default: "the implementation's",
            "numbers, or a choice by its name (`feedback = \"random\"`); unstated ones take their defaults"),
        KeySpec("modifiers", .custom(type: "array of inline tables", range: "kinds and settings: below"), default: "`[]`", "modifiers attached to every run of the configuration"),
        KeySpec("optimizer", .custom(type: "table", range: "keys: below"), default: "Adam, 0.001, no clip", "the optimiser a run uses unless the protocol or command line states one"),
    ]
    public static let keys = keySpecs.map(\.name)

    /// The defaults of a registered implementation, named by its id.
    public init(defaultsOf type: any LearningRule.Type) {
        name = type.id
        implementation = type.id
        description = type.summary
        citation = type.citation
        hyperparameters = [:]
        optimizer = OptimizerSettings()
        modifiers = []
        file = nil
    }

    enum CodingKeys: String, CodingKey {
        case name, implementation, description, citation, hyperparameters, optimizer, modifiers, file
    }

    /// Configurations stored before `modifiers` existed still decode.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        implementation = try c.decode(String.self, forKey: .implementation)
        description = try c.decode(String.self, forKey: .description)
        citation = try c.decode(String.self, forKey: .citation)
        hyperparameters = try c.decode([String: Double].self, forKey: .hyperparameters)
        optimizer = try c.decode(OptimizerSettings.self, forKey: .optimizer)
        modifiers = try c.decodeIfPresent([ModifierConfig].self, forKey: .modifiers) ?? []
        file = try c.decodeIfPresent(String.self, forKey: .file)
    }

    public static func load(file path: String, registry: RuleRegistry = .standard) throws -> RuleConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError.invalid("no such file; valid: a rule file (.toml), see `plasticity rules`", file: path)
        }
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return try parse(String(decoding: data, as: UTF8.self), name: name, file: path, registry: registry)
    }

    public static func parse(_ text: String, name: String, file: String, registry: RuleRegistry = .standard) throws -> RuleConfiguration {
        let table: TOMLTable
        do {
            try TOMLHeaderGuard.check(text, file: file)
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw InputError.invalid("malformed TOML at line \(error.source.begin.line): \(error.description)", file: file)
        }
        for key in table.keys.sorted() where !keys.contains(key) {
            throw InputError.unknown("key", key, valid: keys, file: file)
        }
        let ids = registry.ids
        let implementation = try string(table, "implementation", valid: ids.joined(separator: ", "), file: file)
        let type = try registry.type(implementation, file: file, key: "implementation")
        var configuration = RuleConfiguration(defaultsOf: type)
        configuration.name = name
        configuration.file = file
        configuration.description = try string(table, "description", valid: "a one-line description", file: file)
        configuration.citation = try string(table, "citation", valid: "authors year, venue", file: file)
        if let value = table["hyperparameters"] {
            guard let section = value.tomlValue.table else {
                throw InputError.invalid("expected a table; valid: [hyperparameters] with \(names(type.settingSpecs))", file: file, key: "hyperparameters")
            }
            configuration.hyperparameters = try hyperparameters(section, specs: type.settingSpecs, file: file)
        }
        if let value = table["modifiers"] {
            configuration.modifiers = try ModifierConfig.list(fromTOML: value, file: file)
        }
        if let value = table["optimizer"] {
            guard let section = value.tomlValue.table else {
                throw InputError.invalid("expected a table; valid: [optimizer] with \(OptimizerSettings.keys.joined(separator: ", "))", file: file, key: "optimizer")
            }
            configuration.optimizer = try optimizer(section, file: file)
        }
        return configuration
    }

    static func names(_ specs: [ParameterSpec]) -> String {
        specs.isEmpty ? "(none)" : specs.map(\.name).joined(separator: ", ")
    }

    static func string(_ table: TOMLTable, _ key: String, valid: String, file: String) throws -> String {
        guard let value = table[key] else { throw InputError.invalid("missing key; valid: \(valid)", file: file, key: key) }
        guard let text = value.tomlValue.string else { throw InputError.invalid("expected a string; valid: \(valid)", file: file, key: key) }
        return text
    }

    static func number(_ value: TOMLValueConvertible) -> Double? {
        let v = value.tomlValue
        switch v.type {
        case .int: return v.int.map(Double.init)
        case .double: return v.double
        default: return nil
        }
    }

    static func hyperparameters(_ section: TOMLTable, specs: [ParameterSpec], file: String) throws -> [String: Double] {
        var values: [String: Double] = [:]
        for key in section.keys.sorted() {
            guard let spec = specs.first(where: { $0.name == key }) else {
                throw InputError.unknown("key", key, valid: specs.isEmpty ? ["(none)"] : specs.map(\.name), file: file, key: "hyperparameters")
            }
            let path = "hyperparameters.\(key)"
            let raw = section[key]!
            if spec.isChoice {
                guard let text = raw.tomlValue.string else {
                    throw InputError.invalid("expected a string; valid: \(spec.rangeDescription)", file: file, key: path)
                }
                guard let index = spec.value(parsing: text) else {
                    throw InputError.unknown("choice", text, valid: spec.choices, file: file, key: path)
                }
                values[key] = index
                continue
            }
            guard let value = number(raw) else {
                throw InputError.invalid("expected a number; valid: \(spec.rangeDescription)", file: file, key: path)
            }
            if !value.isFinite || !spec.range.contains(value) {
                throw InputError.outOfRange(key, value, range: spec.rangeDescription, file: file, key: path)
            }
            if spec.isInteger && value != value.rounded() {
                throw InputError.invalid("value \(formatNumber(value)) must be a whole number; valid: \(spec.rangeDescription)", file: file, key: path)
            }
            values[key] = value
        }
        return values
    }

    static func optimizer(_ section: TOMLTable, file: String) throws -> OptimizerSettings {
        var s = OptimizerSettings()
        for key in section.keys.sorted() {
            let path = "optimizer.\(key)"
            let raw = section[key]!
            func positiveNumber(range: String, _ ok: (Double) -> Bool) throws -> Double {
                guard let v = number(raw) else { throw InputError.invalid("expected a number; valid: \(range)", file: file, key: path) }
                guard v.isFinite && ok(v) else { throw InputError.outOfRange(key, v, range: range, file: file, key: path) }
                return v
            }
            switch key {
            case "kind":
                let valid = OptimizerKind.allCases.map(\.rawValue)
                guard let text = raw.tomlValue.string else {
                    throw InputError.invalid("expected a string; valid: \(valid.joined(separator: ", "))", file: file, key: path)
                }
                guard let kind = OptimizerKind(rawValue: text) else { throw InputError.unknown("optimizer", text, valid: valid, file: file, key: path) }
                s.kind = kind
            case "learning-rate":
                s.learningRate = try positiveNumber(range: OptimizerSettings.learningRateRange) { $0 > 0 && $0 <= 10 }
            case "momentum":
                s.momentum = try positiveNumber(range: OptimizerSettings.momentumRange) { $0 >= 0 && $0 < 1 }
            case "clip":
                s.clipNorm = try positiveNumber(range: OptimizerSettings.clipRange) { $0 > 0 }
            case "nesterov":
                guard let flag = raw.tomlValue.bool else { throw InputError.invalid("expected true or false", file: file, key: path) }
                s.nesterov = flag
            default:
                throw InputError.unknown("key", key, valid: OptimizerSettings.keys, file: file, key: "optimizer")
            }
        }
        return s
    }
}
