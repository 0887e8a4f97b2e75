import ArgumentParser
import Plasticity

extension Activation: ExpressibleByArgument {}
extension ModelKind: ExpressibleByArgument {}
extension Initialization: ExpressibleByArgument {}
extension OptimizerKind: ExpressibleByArgument {}
extension Criterion.Metric: ExpressibleByArgument {}

/// Options that describe a task and a model; shared by train and grad.
struct TaskModelOptions: ParsableArguments {
    @Option(help: "Task id (see `plasticity tasks`).")
    var task: String

    @Option(name: .customLong("task-param"), help: "Task parameter NAME=VALUE (repeatable), e.g. N=3.")
    var taskParams: [String] = []

    @Option(help: "Model: \(ModelKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var model: ModelKind = .leaky

    @Option(help: "Number of recurrent neurons N.")
    var hidden: Int = 64

    @Option(help: "Nonlinearity: \(Activation.allCases.map(\.rawValue).joined(separator: ", ")) (default: the task's recommendation, see `plasticity tasks`, else leaky-relu).")
    var activation: Activation?

    @Option(help: "Weight initialisation: \(Initialization.allCases.map(\.rawValue).joined(separator: ", ")).")
    var initialization: Initialization = .gain

    @Option(help: "Recurrent gain g (W ~ N(0, g²/N)); g > 1 is chaotic.")
    var gain: Double = 1.5

    @Flag(help: "Keep tau fixed at its initial values.")
    var fixedTau = false

    @Option(help: "Random seed.")
    var seed: UInt64 = 1

    func taskParameters() throws -> [String: Double] {
        var values: [String: Double] = [:]
        for text in taskParams {
            let (name, value) = try parseAssignment(text, option: "--task-param")
            values[name] = value
        }
        return values
    }

    func modelSpec() -> ModelSpec {
        var spec = ModelSpec()
        spec.kind = model
        spec.hidden = hidden
        spec.activation = (try? TaskRegistry.standard.type(task)).map { ModelSpec.activation(stated: activation, task: $0) } ?? activation ?? spec.activation
        spec.initialization = initialization
        spec.gain = gain
        spec.trainTau = !fixedTau
        return spec
    }
}
