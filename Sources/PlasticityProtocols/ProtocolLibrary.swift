import Foundation

/// The protocols shipped with plasticity (protocols/*.toml of the repository, compiled into the
/// binary) and how `run`, `sweep` and `protocols` find a protocol: an existing file by its path,
/// otherwise a shipped protocol by its name (the file's base name, e.g. "quickstart").
public enum ProtocolLibrary {
    public struct Shipped: Sendable {
        /// The file's base name: what `plasticity run NAME` accepts.
        public var name: String
        /// Its path in the repository, e.g. "protocols/quickstart.toml".
        public var path: String
        public var text: String
    }

    /// A protocol as loaded: the parsed definition, its text and the file name it goes by.
    public struct Loaded: Sendable {
        public var experiment: ExperimentProtocol
        public var text: String
        /// "quickstart.toml": the base name, so a copy of the text keeps the protocol's default name.
        public var fileName: String
        /// "shipped" or the path it was read from.
        public var source: String
    }

    public static var shipped: [Shipped] {
        ShippedFiles.protocols.map { entry in
            Shipped(name: ((entry.path as NSString).lastPathComponent as NSString).deletingPathExtension, path: entry.path, text: entry.text)
        }
    }

    public static var names: [String] { shipped.map(\.name) }

    /// An existing file at `nameOrPath`, else the shipped protocol of that name.
    public static func load(_ nameOrPath: String) throws -> Loaded {
        if FileManager.default.fileExists(atPath: nameOrPath) {
            guard let data = FileManager.default.contents(atPath: nameOrPath) else { throw InputError.invalid("cannot read the file", file: nameOrPath) }
            guard let text = String(data: data, encoding: .utf8) else { throw InputError.invalid("not UTF-8 text", file: nameOrPath) }
            let stem = URL(fileURLWithPath: nameOrPath).deletingPathExtension().lastPathComponent
            let experiment = try ProtocolParser.parse(text, file: nameOrPath, defaultName: stem)
            return Loaded(experiment: experiment, text: text, fileName: (nameOrPath as NSString).lastPathComponent, source: nameOrPath)
        }
        let entry = try shipped(named: nameOrPath)
        let experiment = try ProtocolParser.parse(entry.text, file: "shipped:" + entry.path, defaultName: entry.name)
        return Loaded(experiment: experiment, text: entry.text, fileName: entry.name + ".toml", source: "shipped")
    }

    /// The shipped protocol `name`; anything else is one InputError line listing the valid names.
    public static func shipped(named name: String) throws -> Shipped {
        guard let entry = shipped.first(where: { $0.name == name }) else {
            if name.hasSuffix(".toml") || name.contains("/") {
                throw InputError.invalid("no such file; valid: a protocol file, or a shipped protocol name (\(names.joined(separator: ", ")))", file: name)
            }
            throw InputError.unknown("protocol", name, valid: names + ["a path to a protocol file (.toml)"])
        }
        return entry
    }

    /// "name: description" lines for `plasticity protocols` (the description from the file).
    public static func listing() throws -> String {
        var lines = ["Shipped protocols (plasticity run NAME; plasticity protocols write NAME for an editable copy):"]
        let width = names.map(\.count).max() ?? 0
        for entry in shipped {
            let experiment = try ProtocolParser.parse(entry.text, file: "shipped:" + entry.path, defaultName: entry.name)
            // A condition may run a subset of the rules and tasks.
            let cells = experiment.conditions.reduce(0) { sum, c in
                sum + (c.rules?.count ?? experiment.rules.count) * (c.tasks?.count ?? experiment.tasks.count)
            } * experiment.seeds.count
            lines.append(entry.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + experiment.description + " (\(cells) cells)")
        }
        return lines.joined(separator: "\n")
    }

    /// Writes the shipped protocol `name` to `path` as a starting point; an existing file is never
    /// overwritten (it may hold the user's edits).
    public static func write(_ name: String, to path: String) throws {
        let entry = try shipped(named: name)
        if FileManager.default.fileExists(atPath: path) {
            throw InputError.invalid("already exists; valid: a new file name (--out FILE)", file: path)
        }
        try Directory.createParent(of: path)
        try AtomicFile.write(Data(entry.text.utf8), to: path)
    }
}
