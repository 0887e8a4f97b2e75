import Foundation

/// The file `train --checkpoint` writes (atomically, every K trials) and `train --resume` reads:
/// the run's spec and its `TrainerState`. Resuming needs the same run (the spec must match, so the
/// same command line plus `--resume`); it then continues bit-identically to an uninterrupted run.
public struct TrainingCheckpoint: Codable, Equatable, Sendable {
    /// Bumped when the file's layout changes; a newer file is refused by name.
    public static let currentFormat = 1

    public var format: Int
    public var spec: RunSpec
    public var state: TrainerState

    public init(spec: RunSpec, state: TrainerState) {
        format = Self.currentFormat
        self.spec = spec
        self.state = state
    }

    /// Runs with modifiers (TCR schedules, fast weights) or curricula carry state this file does not
    /// hold; they are refused rather than resumed differently.
    public static func checkSupported(_ spec: RunSpec, rule: RuleConfiguration, key: String = "--checkpoint") throws {
        if spec.curriculum != nil { throw InputError.invalid("not supported for curriculum runs; valid: a plain run", key: key) }
        // The initial-state streams' positions are not saved, so a resumed run could not continue them.
        if spec.model.initialStateScale != nil {
            throw InputError.invalid("not supported with --initial-state-scale; valid: a run from h_0 = 0", key: key)
        }
        if !(rule.modifiers + spec.modifiers).isEmpty {
            throw InputError.invalid("not supported for runs with modifiers (\((rule.modifiers + spec.modifiers).map(\.kind).joined(separator: ", "))); valid: a run without modifiers", key: key)
        }
    }

    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try AtomicFile.write(try encoder.encode(self), to: path)
    }

    /// Reads a checkpoint; anything but one this version wrote is an InputError naming the file.
    public static func load(from path: String) throws -> TrainingCheckpoint {
        guard let data = FileManager.default.contents(atPath: path) else { throw InputError.invalid("cannot read the file", file: path) }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        struct Header: Decodable { var format: Int }
        guard let header = try? decoder.decode(Header.self, from: data) else {
            throw InputError.invalid("not a training checkpoint; valid: a file written by `plasticity train --checkpoint`", file: path, key: "format")
        }
        guard header.format == currentFormat else {
            throw InputError.invalid("checkpoint format \(header.format) is not supported; valid: \(currentFormat) (written by another version)", file: path, key: "format")
        }
        do {
            return try decoder.decode(TrainingCheckpoint.self, from: data)
        } catch let error as DecodingError {
            throw InputError.invalid("not a training checkpoint (\(DecodingErrorLine.describe(error))); valid: a file written by `plasticity train --checkpoint`", file: path)
        }
    }

    /// The checkpoint's state for `spec`, or an InputError naming what differs (resume the same run).
    public func state(for spec: RunSpec, file: String) throws -> TrainerState {
        guard spec == self.spec else {
            let differing = Self.differingKeys(self.spec, spec)
            throw InputError.invalid(
                "written by a different run (differs in: \(differing.joined(separator: ", "))); valid: the same options as the run that wrote it",
                file: file, key: "spec")
        }
        return state
    }

    /// The top-level keys of two specs' JSON that differ.
    static func differingKeys(_ a: RunSpec, _ b: RunSpec) -> [String] {
        func fields(_ spec: RunSpec) -> [String: String] {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            guard let data = try? encoder.encode(spec), let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return [:] }
            return object.mapValues { value in
                (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed])).map { String(decoding: $0, as: UTF8.self) } ?? "\(value)"
            }
        }
        let x = fields(a), y = fields(b)
        return Set(x.keys).union(y.keys).filter { x[$0] != y[$0] }.sorted()
    }
}

/// A DecodingError in a few words: the path of the key and what was wrong.
package enum DecodingErrorLine {
    package static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String { keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".") }
        switch error {
        case let .keyNotFound(key, context): return "missing key \(path(context.codingPath + [key]))"
        case let .typeMismatch(_, context): return "wrong type at \(path(context.codingPath))"
        case let .valueNotFound(_, context): return "missing value at \(path(context.codingPath))"
        case let .dataCorrupted(context): return context.codingPath.isEmpty ? "malformed" : "bad value at \(path(context.codingPath))"
        @unknown default: return "malformed"
        }
    }
}
