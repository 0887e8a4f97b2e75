import Foundation

/// The `grad` export: one JSON object with a model's parameters, a batch, the loss and the update
/// direction of a rule (for BPTT the exact gradient), for cross-checking with other frameworks.
public enum GradientExport {
    /// Builds the JSON object (keys: model, activation, hidden, params, batch, loss, grad, rule, implementation, task, seed)
    /// for the run `r` describes: its task, model, rule and seed, on one batch of `r.training.batchSize` trials
    /// (its other training settings, optimiser and modifiers do not apply).
    public static func make(_ r: RunSpec, tasks: TaskRegistry = .standard, rules: RuleRegistry = .standard) throws -> [String: Any] {
        let task = try tasks.make(r.task, parameters: r.taskParameters)
        try r.model.validate()
        guard r.training.batchSize >= 1 && r.training.batchSize <= 4096 else {
            throw InputError.outOfRange("batch", Double(r.training.batchSize), range: "1...4096")
        }
        if r.model.initialStateScale != nil {
            // The export's batch carries inputs only; a peer framework would start from h_0 = 0.
            throw InputError.invalid("grad exports runs from h_0 = 0; drop --initial-state-scale", key: "--initial-state-scale")
        }
        let streams = RunStreams(seed: r.seed)
        let model = r.model.makeModel(inputSize: task.inputSize, outputSize: task.outputSize, rng: streams.initialization)
        let library = try RuleLibrary(registry: rules, userDirectories: r.rulesDirectories)
        let configuration = try library.resolve(r.rule)
        let rule = try library.make(
            configuration, overrides: r.ruleSettings, model: model, objective: Objective(lossKind: task.lossKind),
            batchSize: r.training.batchSize, maxSteps: task.maxSteps)
        let batch = task.batch(size: r.training.batchSize, using: streams.data)
        var direction = [Double](repeating: 0, count: model.layout.count)
        let stats = rule.direction(model: model, batch: batch, noise: streams.noise, into: &direction)
        var params: [String: Any] = [:], grad: [String: Any] = [:]
        for g in model.layout.groups {
            params[g.name] = model.layout.export(g, from: model.parameters)
            grad[g.name] = model.layout.export(g, from: direction)
        }
        return [
            "model": model.kind.rawValue,
            "activation": GradientExport.activationName(r.model),
            "hidden": model.hiddenSize,
            "task": r.task,
            "rule": configuration.name,
            "implementation": configuration.implementation,
            "seed": r.seed,
            "loss_kind": task.lossKind.rawValue,
            "params": params,
            "batch": [
                "inputs": batch.inputs.nested,
                "targets": batch.targets.nested,
                "mask": (0..<batch.steps).map { t in (0..<batch.size).map { b in batch.mask[t, b] } },
            ],
            "loss": stats.loss,
            "grad": grad,
        ]
    }

    public static func json(_ object: [String: Any]) throws -> Data {
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    /// The nonlinearity the export names: the leaky RNN's setting; the PLRNN is always ReLU; the
    /// gated models' candidate and output nonlinearity is tanh (their gates are logistic).
    static func activationName(_ spec: ModelSpec) -> String {
        switch spec.kind {
        case .leaky: return spec.activation.rawValue
        case .plrnn: return Activation.relu.rawValue
        case .gru, .lstm: return Activation.tanh.rawValue
        }
    }
}
