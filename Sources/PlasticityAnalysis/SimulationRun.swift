import Foundation

/// `plasticity simulate`: a saved network run on fresh task trials by an integration method, with
/// everything a user plots: states, outputs, targets, mask and the accuracy.
public struct SimulationRun: Sendable {
    public var method: IntegrationMethod
    public var batch: Batch
    /// h(0)...h(T): (T+1) × trials × N.
    public var states: Tensor3
    /// y(1)...y(T): T × trials × out.
    public var outputs: Tensor3
    public var accuracy: Double

    /// Runs `model` on `trials` trials of `task` drawn from `seed`'s stream "simulate".
    public static func run(model: any RecurrentModel, task: any Task, trials: Int, seed: UInt64, method: IntegrationMethod,
                           absoluteTolerance: Double = 1e-8, relativeTolerance: Double = 1e-8) throws -> SimulationRun {
        let batch = task.batch(size: trials, using: RandomSource(seed: seed, stream: "simulate"))
        let simulator = try ContinuousTimeSimulator(model: model, method: method, absoluteTolerance: absoluteTolerance, relativeTolerance: relativeTolerance)
        let run = try simulator.run(batch.inputs)
        let score = task.score(outputs: run.outputs, batch: batch)
        return SimulationRun(method: method, batch: batch, states: run.states, outputs: run.outputs,
                             accuracy: score.total > 0 ? score.correct / score.total : .nan)
    }

    /// Long format, one row per trial and step t = 1...T:
    /// `trial,t,h1..hN,y1..yO,target1..targetO,mask` (the state after step t, the output read from it,
    /// the target and whether step t is scored).
    public func csv() -> String {
        let n = states.width, nOut = outputs.width
        var header = ["trial", "t"]
        header += (0..<n).map { "h\($0 + 1)" }
        header += (0..<nOut).map { "y\($0 + 1)" }
        header += (0..<nOut).map { "target\($0 + 1)" }
        header.append("mask")
        var lines = [header.joined(separator: ",")]
        for b in 0..<batch.size {
            for t in 0..<outputs.steps {
                var row = ["\(b)", "\(t + 1)"]
                row += (0..<n).map { "\(states[t + 1, b, $0])" }
                row += (0..<nOut).map { "\(outputs[t, b, $0])" }
                row += (0..<nOut).map { "\(batch.targets[t, b, $0])" }
                row.append("\(batch.mask[t, b])")
                lines.append(row.joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    struct Document: Encodable {
        var method: String
        var accuracy: Double?
        /// [trial][t][neuron], t = 0...T.
        var states: [[[Double]]]
        /// [trial][t][output], t = 1...T; targets the same; mask [trial][t].
        var outputs: [[[Double]]]
        var targets: [[[Double]]]
        var mask: [[Double]]
    }

    /// JSON with trial-major nested arrays (snake_case keys).
    public func json() throws -> String {
        func trialMajor(_ x: Tensor3) -> [[[Double]]] {
            (0..<x.batch).map { b in (0..<x.steps).map { t in (0..<x.width).map { x[t, b, $0] } } }
        }
        let document = Document(
            method: method.description, accuracy: accuracy.isFinite ? accuracy : nil, states: trialMajor(states),
            outputs: trialMajor(outputs), targets: trialMajor(batch.targets),
            mask: (0..<batch.size).map { b in (0..<batch.steps).map { batch.mask[$0, b] } })
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(document), as: UTF8.self)
    }
}
