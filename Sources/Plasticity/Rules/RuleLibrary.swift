import Foundation

/// The rule configurations a run can name: the shipped `rules/` folder plus the user's own
/// directories, on top of the registered implementations' defaults.
///
/// The shipped folder is `rules/` relative to the current directory, or the directory named by
/// the environment variable PLASTICITY_RULES_DIR; if it does not exist only the built-in defaults
/// (one per implementation id) and the user's directories are available.
/// A name resolves as: a path ending in .toml → that file; a configuration name; an implementation id.
public struct RuleLibrary: @unchecked Sendable {  // RuleRegistry holds metatypes; immutable after init
    public static let environmentVariable = "PLASTICITY_RULES_DIR"

    public let registry: RuleRegistry
    /// Loaded configurations, sorted by name.
    public private(set) var configurations: [RuleConfiguration] = []
    /// The directories that were read, in order.
    public private(set) var directories: [String] = []

    /// Where the shipped rule files live (see the type's documentation).
    public static var shippedDirectory: String {
        ProcessInfo.processInfo.environment[environmentVariable] ?? "rules"
    }

    /// Loads the shipped folder (when `shipped` names an existing directory) and every user directory
    /// (which must exist). Duplicate configuration names are rejected with both files named.
    public init(registry: RuleRegistry = .standard, shipped: String? = RuleLibrary.shippedDirectory, userDirectories: [String] = []) throws {
        self.registry = registry
        var dirs: [String] = []
        // The same folder named twice (e.g. "rules" and its absolute path) is read once.
        func canonical(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path }
        if let shipped, RuleLibrary.isDirectory(shipped) { dirs.append(shipped) }
        for dir in userDirectories {
            guard RuleLibrary.isDirectory(dir) else {
                throw InputError.invalid("no such directory '\(dir)'; valid: a directory of rule files (.toml)", key: "rules-dir")
            }
            if !dirs.contains(where: { canonical($0) == canonical(dir) }) { dirs.append(dir) }
        }
        directories = dirs
        var byName: [String: RuleConfiguration] = [:]
        for dir in dirs {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
            for entry in files.sorted() where entry.hasSuffix(".toml") {
                let path = (dir as NSString).appendingPathComponent(entry)
                let configuration = try RuleConfiguration.load(file: path, registry: registry)
                if let other = byName[configuration.name] {
                    throw InputError.invalid(
                        "duplicate rule configuration '\(configuration.name)', also in \(other.file ?? "?"); valid: one file per name", file: path)
                }
                byName[configuration.name] = configuration
            }
        }
        configurations = byName.values.sorted { $0.name < $1.name }
    }

    static func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }

    /// Every name `resolve` accepts without a path: configuration names and implementation ids.
    public var names: [String] { Array(Set(configurations.map(\.name) + registry.ids)).sorted() }

    /// A configuration name, an implementation id, or a path to a .toml rule file.
    public func resolve(_ name: String) throws -> RuleConfiguration {
        if name.hasSuffix(".toml") { return try RuleConfiguration.load(file: name, registry: registry) }
        if let configuration = configurations.first(where: { $0.name == name }) { return configuration }
        if let type = registry.types.first(where: { $0.id == name }) { return RuleConfiguration(defaultsOf: type) }
        throw InputError.unknown("rule", name, valid: names + ["a path to a .toml rule file"])
    }

    /// The hyperparameters of `configuration` with `overrides` on top (all range-checked).
    public func settings(of configuration: RuleConfiguration, overrides: [String: Double]) -> [String: Double] {
        configuration.hyperparameters.merging(overrides) { _, new in new }
    }

    /// Builds the rule a configuration describes for `model`.
    public func make(
        _ configuration: RuleConfiguration, overrides: [String: Double] = [:], model: any RecurrentModel,
        objective: Objective, batchSize: Int, maxSteps: Int
    ) throws -> any LearningRule {
        try registry.make(
            configuration.implementation, settings: settings(of: configuration, overrides: overrides), model: model,
            objective: objective, batchSize: batchSize, maxSteps: maxSteps, file: configuration.file)
    }

    /// Parses NAME=VALUE texts (e.g. from `--rule-param`) for a configuration's implementation;
    /// a choice-valued hyperparameter takes its choice's name (feedback=random).
    public func parseSettings(_ texts: [String], for configuration: RuleConfiguration, option: String = "--rule-param") throws -> [String: Double] {
        let type = try registry.type(configuration.implementation)
        var values: [String: Double] = [:]
        for text in texts {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else { throw InputError.invalid("expected NAME=VALUE, got '\(text)'", key: option) }
            guard let spec = type.hyperparameters.first(where: { $0.name == parts[0] }) else {
                throw InputError.unknown(
                    "parameter", parts[0], valid: type.hyperparameters.isEmpty ? ["(none)"] : type.hyperparameters.map(\.name),
                    key: "\(option) (rule \(type.id))")
            }
            guard let value = spec.value(parsing: parts[1]) else {
                if spec.isChoice { throw InputError.unknown("choice", parts[1], valid: spec.choices, key: "\(option) \(spec.name)") }
                throw InputError.invalid("'\(parts[1])' is not a number; valid: \(spec.rangeDescription)", key: "\(option) \(spec.name)")
            }
            values[spec.name] = value
        }
        return values
    }
}
