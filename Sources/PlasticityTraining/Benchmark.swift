import Dense
import Foundation

/// Throughput of one BPTT training step (forward, backward, Adam) on flipflop3.
public enum Benchmark {
    public struct Measurement: Codable, Sendable {
        public var hidden: Int
        public var batch: Int
        public var steps: Int
        public var msPerStep: Double
        public var trialsPerSecond: Double
    }

    /// Times `repeats` steps after `warmup` steps; reports the median step time.
    public static func bpttStep(hidden: Int, batch: Int = 64, steps: Int = 100, repeats: Int = 20, warmup: Int = 3, seed: UInt64 = 1) throws -> Measurement {
        let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": Double(steps)])
        var spec = ModelSpec()
        spec.hidden = hidden
        spec.activation = .tanh
        let streams = RunStreams(seed: seed)
        var model = spec.makeModel(inputSize: task.inputSize, outputSize: task.outputSize, rng: streams.initialization)
        let rule = BPTT(objective: Objective(lossKind: task.lossKind), model: model, batchSize: batch, maxSteps: steps)
        var optimizer = Optimizer(config: OptimizerConfig(), parameterCount: model.layout.count)
        var direction = [Double](repeating: 0, count: model.layout.count)
        let data = task.batch(size: batch, using: streams.data)
        var times: [Double] = []
        for i in 0..<(warmup + repeats) {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = rule.direction(model: model, batch: data, noise: streams.noise, into: &direction)
            optimizer.apply(&direction, to: &model.parameters)
            model.project()
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            if i >= warmup { times.append(elapsed) }
        }
        let ms = Statistics.median(times)
        return Measurement(hidden: hidden, batch: batch, steps: steps, msPerStep: ms, trialsPerSecond: Double(batch) / (ms / 1000))
    }
}
