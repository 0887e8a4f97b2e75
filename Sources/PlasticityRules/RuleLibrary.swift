import Foundation

/// The rule configurations a run can name: the shipped ones (rules/*.toml of the repository, compiled
/// into the binary by scripts/generate-shipped-files.sh) plus the user's own directories, on top of
/// the registered implementations' defaults.
///
/// A name means the same configuration wherever the tool runs: no folder is read implicitly (a
/// ./rules folder in the working directory is not consulted; the repository's rules/ are the shipped
/// ones, a test keeps them identical). The user's own files win: the directory named by
/// $PLASTICITY_RULES_DIR, then each `--rules-dir`, override shipped configurations of the same name.
/// A name resolves as: a path ending in .toml → that file; a configuration name; an implementation id.
public struct RuleLibrary: @unchecked Sendable {  // RuleRegistry holds metatypes; immutable after init
    public static let environmentVariable = "PLASTICITY_RULES_DIR"
    /// `file` of a shipped configuration: "shipped:rules/bptt.toml" (its path in the repository).
    public static let shippedPrefix = "shipped:"

    /// Which configurations form the bottom layer.
    public enum Shipped: Sendable {
        /// The configurations compiled into the binary.
        case embedded
        /// The .toml files of a directory (for tests and development).
        case directory(String)
        /// Only the implementations' built-in defaults.
        case builtInOnly
    }

    public let registry: RuleRegistry
    /// Loaded configurations, sorted by name.
    public private(set) var configurations: [RuleConfiguration] = []
    /// The user directories that were read, in order ($PLASTICITY_RULES_DIR first).
    public private(set) var directories: [String] = []
    /// Names of shipped configurations replaced by a user's file of the same name.
    public private(set) var overridden: Set<String> = []

    /// Loads the shipped layer, then $PLASTICITY_RULES_DIR (from `environment`) and every user
    /// directory (each must exist). A user's configuration replaces a shipped one of the same name;
    /// the same name in two user directories is rejected with both files named.
    public init(
        registry: RuleRegistry = .standard, shipped: Shipped = .embedded, userDirectories: [String] = [],
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws {
        self.registry = registry
        var byName: [String: RuleConfiguration] = [:]
        switch shipped {
        case .embedded:
            for (path, text) in ShippedFiles.rules {
                let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
                byName[name] = try RuleConfiguration.parse(text, name: name, file: RuleLibrary.shippedPrefix + path, registry: registry)
            }
        case .directory(let dir):
            if RuleLibrary.isDirectory(dir) { try RuleLibrary.load(directory: dir, registry: registry, into: &byName) }
        case .builtInOnly:
            break
        }
        let shippedNames = Set(byName.keys)
        var userConfigurations: [String: RuleConfiguration] = [:]
        var dirs: [String] = []
        // The same folder named twice (e.g. "rules" and its absolute path) is read once.
        func canonical(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path }
        let fromEnvironment = environment[RuleLibrary.environmentVariable].flatMap { $0.isEmpty ? nil : $0 }
        for (dir, key) in (fromEnvironment.map { [($0, RuleLibrary.environmentVariable)] } ?? []) + userDirectories.map({ ($0, "rules-dir") }) {
            guard RuleLibrary.isDirectory(dir) else {
                throw InputError.invalid("no such directory '\(dir)'; valid: a directory of rule files (.toml)", key: key)
            }
            if dirs.contains(where: { canonical($0) == canonical(dir) }) { continue }
            dirs.append(dir)
            try RuleLibrary.load(directory: dir, registry: registry, into: &userConfigurations)
        }
        directories = dirs
        for (name, configuration) in userConfigurations {
            if shippedNames.contains(name) { overridden.insert(name) }
            byName[name] = configuration
        }
        configurations = byName.values.sorted { $0.name < $1.name }
    }

    /// Convenience for tests: `shipped` names a directory read as the shipped layer (nil: none).
    public init(registry: RuleRegistry = .standard, shipped directory: String?, userDirectories: [String] = []) throws {
        let layer: Shipped = directory.map { Shipped.directory($0) } ?? Shipped.builtInOnly
        try self.init(registry: registry, shipped: layer, userDirectories: userDirectories, environment: [:])
    }

    /// Reads every .toml file of `dir` into `byName`; a name already there is a duplicate.
    static func load(directory dir: String, registry: RuleRegistry, into byName: inout [String: RuleConfiguration]) throws {
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

    static func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }

    /// Where a configuration came from: "shipped", its file's path, or "built-in defaults".
    public static func source(of configuration: RuleConfiguration) -> String {
        guard let file = configuration.file else { return "built-in defaults" }
        return file.hasPrefix(shippedPrefix) ? "shipped" : file
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
            guard let spec = type.settingSpecs.first(where: { $0.name == parts[0] }) else {
                throw InputError.unknown(
                    "parameter", parts[0], valid: type.settingSpecs.map(\.name),
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

    /// `--rule-param` for several rules (`compare`): NAME=VALUE goes to every rule whose
    /// implementation has NAME (an error when none has it); RULE:NAME=VALUE to that rule only.
    public func settings(forEach rules: [String], parsing texts: [String], option: String = "--rule-param") throws -> [String: [String: Double]] {
        var result: [String: [String: Double]] = [:]
        let configurations = try rules.map { try resolve($0) }
        for text in texts {
            if let colon = text.firstIndex(of: ":"), !text[..<colon].contains("=") {
                let rule = String(text[..<colon])
                guard let i = rules.firstIndex(of: rule) else { throw InputError.unknown("rule", rule, valid: rules, key: option) }
                result[rule, default: [:]].merge(try parseSettings([String(text[text.index(after: colon)...])], for: configurations[i], option: option)) { _, new in new }
                continue
            }
            let name = String(text.split(separator: "=", maxSplits: 1).first ?? "")
            var applied = false
            for (rule, configuration) in zip(rules, configurations) {
                guard let type = try? registry.type(configuration.implementation), type.settingSpecs.contains(where: { $0.name == name }) else { continue }
                result[rule, default: [:]].merge(try parseSettings([text], for: configuration, option: option)) { _, new in new }
                applied = true
            }
            if !applied {
                let valid = Set(configurations.compactMap { try? registry.type($0.implementation) }.flatMap { $0.settingSpecs.map(\.name) }).sorted()
                throw InputError.unknown("parameter", name, valid: valid.isEmpty ? ["(none)"] : valid, key: "\(option) (rules \(rules.joined(separator: ", ")))")
            }
        }
        return result
    }
}
