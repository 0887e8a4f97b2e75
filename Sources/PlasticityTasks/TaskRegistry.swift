/// Explicit registry of tasks by id (Gymnasium style): duplicates rejected, unknown ids answered
/// with the list of valid ones. The one place where tasks are registered is `standard`.
public struct TaskRegistry: Sendable {
    public private(set) var types: [any Task.Type] = []

    public init() {}

    public mutating func register(_ type: any Task.Type) {
        precondition(!types.contains { $0.id == type.id }, "task id '\(type.id)' registered twice")
        types.append(type)
    }

    public static let standard: TaskRegistry = {
        var r = TaskRegistry()
        r.register(NParity.self)
        r.register(NDMS.self)
        r.register(DelayedAddition.self)
        r.register(EvidenceAccumulation.self)
        r.register(FlipFlop3.self)
        return r
    }()

    public var ids: [String] { types.map { $0.id } }

    public func type(_ id: String, file: String? = nil, key: String? = nil) throws -> any Task.Type {
        guard let t = types.first(where: { $0.id == id }) else {
            throw InputError.unknown("task", id, valid: ids, file: file, key: key)
        }
        return t
    }

    /// Makes task `id` with `overrides` (name → value) on top of the defaults, checking names and ranges.
    public func make(_ id: String, parameters overrides: [String: Double] = [:], file: String? = nil) throws -> any Task {
        let type = try type(id, file: file, key: file == nil ? nil : "task")
        let values = try resolve(specs: type.parameterSpecs, overrides: overrides, owner: "task \(id)", file: file)
        return type.init(parameters: values)
    }
}

/// Fills defaults and validates names, integrality and ranges of user-given values.
public func resolve(
    specs: [ParameterSpec], overrides: [String: Double], owner: String, file: String? = nil
) throws -> [String: Double] {
    var values: [String: Double] = [:]
    for s in specs { values[s.name] = s.defaultValue }
    for name in overrides.keys.sorted() {
        let value = overrides[name]!
        guard let spec = specs.first(where: { $0.name == name }) else {
            throw InputError.unknown("parameter", name, valid: specs.isEmpty ? ["(none)"] : specs.map(\.name), file: file, key: owner)
        }
        if !value.isFinite || !spec.range.contains(value) {
            throw InputError.outOfRange(name, value, range: spec.rangeDescription, file: file, key: "\(owner): \(name)")
        }
        if spec.isInteger && value != value.rounded() {
            throw InputError.invalid("value \(formatNumber(value)) must be a whole number; valid: \(spec.rangeDescription)", file: file, key: "\(owner): \(name)")
        }
        values[name] = value
    }
    return values
}

/// Parses "N=3" into ("N", 3).
public func parseAssignment(_ text: String, option: String) throws -> (String, Double) {
    let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
    guard parts.count == 2, !parts[0].isEmpty else {
        throw InputError.invalid("expected NAME=VALUE, got '\(text)'", key: option)
    }
    guard let v = Double(parts[1]) else {
        throw InputError.invalid("'\(parts[1])' is not a number", key: "\(option) \(parts[0])")
    }
    return (parts[0], v)
}
