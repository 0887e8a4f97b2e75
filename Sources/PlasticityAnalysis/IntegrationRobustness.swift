import Foundation

/// Does a network trained as a unit-step map keep working as a continuous-time system? Accuracy when
/// its dynamics are integrated by forward Euler at finer steps dt, and by GSL's adaptive solver
/// (the dt → 0 limit, level 0 of the curve), reading out at integer times. dt = 1 is the map itself.
/// One robustness curve, kind "integration", accuracy against dt. Models without a vector field
/// (GRU, LSTM) skip it: no curve.
public struct IntegrationRobustness: Codable, Equatable, Sendable {
    /// Euler steps; 0 stands for the adaptive solver.
    public var dt: [Double] = [1, 0.5, 0.2, 0.1, 0]
    public var method: ODEStepper = .rk8pd
    public var trials = 256
    public var absoluteTolerance = 1e-8
    public var relativeTolerance = 1e-8

    public init() {}

    public func validate(file: String? = nil) throws {
        for dt in dt where dt != 0 { _ = try IntegrationMethod.checkedEuler(dt: dt, key: "integration.dt", file: file) }
        if trials < 1 || trials > 100_000 { throw InputError.outOfRange("trials", Double(trials), range: "1...100000", file: file, key: "integration.trials") }
        for (name, value) in [("absolute-tolerance", absoluteTolerance), ("relative-tolerance", relativeTolerance)]
        where !(value > 0 && value < 1) {
            throw InputError.outOfRange(name, value, range: "between 0 and 1, exclusive", file: file, key: "integration.\(name)")
        }
    }

    public func methods() throws -> [IntegrationMethod] {
        try dt.map { $0 == 0 ? .adaptive(method) : try IntegrationMethod.checkedEuler(dt: $0) }
    }

    /// Accuracy by `method` on `batches`: the run's outputs scored by the task.
    public static func accuracy(model: any RecurrentModel, task: any Task, batches: [Batch], method: IntegrationMethod,
                                absoluteTolerance: Double = 1e-8, relativeTolerance: Double = 1e-8) throws -> Double {
        let simulator = try ContinuousTimeSimulator(model: model, method: method, absoluteTolerance: absoluteTolerance, relativeTolerance: relativeTolerance)
        var correct = 0.0, total = 0.0
        for batch in batches {
            let run = try simulator.run(batch.inputs)
            let s = task.score(outputs: run.outputs, batch: batch)
            correct += s.correct
            total += s.total
        }
        return total > 0 ? correct / total : .nan
    }

    /// The curve (kind "integration"); the evaluation set comes from `rng`'s child "evaluation".
    /// A solver failure (GSL gave up: the state blew up) scores that level NaN rather than stopping the run.
    public func run(model: any RecurrentModel, task: any Task, rng: RandomSource) -> [RobustnessCurve] {
        guard model is any LocalRecurrentModel, let methods = try? methods() else { return [] }
        let evaluation = Trainer.validationSet(task: task, size: trials, batchSize: min(trials, 128), rng: rng.child("evaluation"))
        let accuracy = methods.map { method in
            (try? IntegrationRobustness.accuracy(model: model, task: task, batches: evaluation, method: method,
                                                 absoluteTolerance: absoluteTolerance, relativeTolerance: relativeTolerance)) ?? .nan
        }
        return [RobustnessCurve(kind: "integration", levels: dt, accuracy: accuracy)]
    }
}
