/// Explicit registry of learning-rule implementations by id (Brian2's `register` style):
/// duplicates rejected, unknown ids answered with the list of valid ones.
/// `standard` is the one place where rules are registered.
public struct RuleRegistry: @unchecked Sendable {  // immutable after `standard` is built
    public private(set) var types: [any LearningRule.Type] = []

    public init() {}

    public mutating func register(_ type: any LearningRule.Type) {
        precondition(!types.contains { $0.id == type.id }, "rule id '\(type.id)' registered twice")
        types.append(type)
    }

    public static let standard: RuleRegistry = {
        var r = RuleRegistry()
        r.register(BPTT.self)
        r.register(TruncatedBPTT.self)
        r.register(RTRL.self)
        r.register(EProp.self)
        r.register(RFLO.self)
        r.register(NodePerturbation.self)
        r.register(WeightPerturbation.self)
        return r
    }()

    public var ids: [String] { types.map { $0.id } }

    public func type(_ id: String, file: String? = nil, key: String? = nil) throws -> any LearningRule.Type {
        guard let t = types.first(where: { $0.id == id }) else {
            throw InputError.unknown("rule", id, valid: ids, file: file, key: key)
        }
        return t
    }

    /// Builds rule `id` for `model`, checking its hyperparameters and that it supports the model.
    public func make(
        _ id: String, settings overrides: [String: Double] = [:], model: any RecurrentModel,
        objective: Objective, batchSize: Int, maxSteps: Int, file: String? = nil
    ) throws -> any LearningRule {
        let type = try type(id, file: file, key: file == nil ? nil : "implementation")
        let settings = try resolve(specs: type.settingSpecs, overrides: overrides, owner: "rule \(id)", file: file)
        guard type.supportedModels.contains(model.kind) else {
            throw InputError.invalid(
                "rule '\(id)' does not support model '\(model.kind.rawValue)'; valid: \(type.supportedModels.map(\.rawValue).joined(separator: ", "))",
                file: file, key: "model")
        }
        return try type.init(settings: settings, model: model, objective: objective, batchSize: batchSize, maxSteps: maxSteps)
    }
}
