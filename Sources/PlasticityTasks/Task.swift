/// Metadata every task declares (NeuroGym style): what goes in and out, when, and where it comes from.
public struct TaskMetadata: Sendable {
    public let summary: String
    public let inputs: String
    public let outputs: String
    public let timing: String
    public let paper: String
    /// The model settings the task recommends, as NeuroGym tasks carry their timing: used where a
    /// run does not state them (`train`, `compare`, a protocol without `[model] activation`).
    public var recommended = RecommendedModel()
}

extension ModelSpec {
    /// The activation a run uses when it does not state one: the task's recommendation, else the default.
    public static func activation(stated: Activation?, task: any Task.Type) -> Activation {
        stated ?? task.metadata.recommended.activation ?? ModelSpec().activation
    }

    /// The same for a task id (an unknown id recommends nothing; the registry reports it elsewhere).
    public static func activation(stated: Activation?, taskID: String, registry: TaskRegistry = .standard) -> Activation {
        guard let type = try? registry.type(taskID) else { return stated ?? ModelSpec().activation }
        return activation(stated: stated, task: type)
    }
}

/// Model settings a task recommends, and why (measured; docs/rules.md "What the defaults do").
public struct RecommendedModel: Sendable {
    /// nil: the model's own default (leaky-ReLU).
    public var activation: Activation?
    public var reason: String

    public init(activation: Activation? = nil, reason: String = "") {
        self.activation = activation
        self.reason = reason
    }
}

/// A task of the suite. One file per task; registered by id in `TaskRegistry`.
/// Batches come only from the `rng` passed in (the run's data stream), so every rule sees the
/// same batches for a seed.
public protocol Task: Sendable {
    static var id: String { get }
    static var metadata: TaskMetadata { get }
    static var parameterSpecs: [ParameterSpec] { get }

    /// `parameters` holds every spec's value (defaults filled in and range-checked by the registry).
    init(parameters: [String: Double])

    var inputSize: Int { get }
    var outputSize: Int { get }
    var lossKind: LossKind { get }
    /// The longest batch this task can produce (buffers are sized for it).
    var maxSteps: Int { get }

    func batch(size: Int, using rng: RandomSource) -> Batch

    /// Correct and total counts of the task's accuracy on masked steps; `total` counts scored
    /// positions and must not depend on the outputs (the trainer's early stop relies on it).
    func score(outputs: Tensor3, batch: Batch) -> (correct: Double, total: Double)
}

extension Task {
    public var id: String { Self.id }

    /// Accuracy of 2+-class outputs: argmax of y equals argmax of the one-hot target at masked steps.
    public func classificationScore(outputs: Tensor3, batch: Batch) -> (correct: Double, total: Double) {
        var correct = 0.0, total = 0.0
        let width = outputs.width
        for t in 0..<batch.steps {
            for b in 0..<batch.size where batch.mask[t, b] != 0 {
                var best = 0, bestTarget = 0
                for k in 1..<width {
                    if outputs[t, b, k] > outputs[t, b, best] { best = k }
                    if batch.targets[t, b, k] > batch.targets[t, b, bestTarget] { bestTarget = k }
                }
                total += 1
                if best == bestTarget { correct += 1 }
            }
        }
        return (correct, total)
    }
}
