import Dense
import Foundation

/// Throughput of one training step of a rule (forward, the rule's update direction, Adam) on flipflop3.
public enum Benchmark {
    /// One rule × model × size to time.
    public struct Case: Codable, Sendable, Equatable {
        public var rule: String
        public var model: ModelKind
        public var hidden: Int
        public var batch: Int
        public var steps: Int

        public init(rule: String, model: ModelKind, hidden: Int, batch: Int, steps: Int) {
            self.rule = rule
            self.model = model
            self.hidden = hidden
            self.batch = batch
            self.steps = steps
        }
    }

    public struct Measurement: Codable, Sendable {
        public var rule: String
        public var model: ModelKind
        public var hidden: Int
        public var batch: Int
        public var steps: Int
        /// The fastest timed step: on a loaded machine the least disturbed one.
        public var msPerStep: Double
        public var msMedian: Double
        public var repeats: Int
        public var trialsPerSecond: Double
        /// The gemm floating-point operations of this model's BPTT step (`StepFlops`), in GFLOP.
        public var bpttGemmGFLOP: Double

        // snake_case in JSON, like every other command's output (docs/outputs.md).
        enum CodingKeys: String, CodingKey {
            case rule, model, hidden, batch, steps, repeats
            case msPerStep = "ms_per_step", msMedian = "ms_median", trialsPerSecond = "trials_per_second", bpttGemmGFLOP = "bptt_gemm_gflop"
        }
    }

    /// Times steps of `c` after one warm-up step: at least `repeats` of them and more until
    /// `minimumSeconds` are spent (a 2 ms step timed 10 times is 20 ms of a shared machine's noise),
    /// or fewer (at least 2) once `budget` seconds are spent. Reports the fastest and the median.
    public static func step(
        _ c: Case, repeats: Int = 10, minimumSeconds: Double = 0, budget: Double = 3, seed: UInt64 = 1
    ) throws -> Measurement {
        let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": Double(c.steps)])
        var spec = ModelSpec()
        spec.kind = c.model
        spec.hidden = c.hidden
        spec.activation = .tanh
        let streams = RunStreams(seed: seed)
        var model = spec.makeModel(inputSize: task.inputSize, outputSize: task.outputSize, rng: streams.initialization)
        let rule = try RuleRegistry.standard.make(
            c.rule, model: model, objective: Objective(lossKind: task.lossKind), batchSize: c.batch, maxSteps: c.steps)
        var optimizer = Optimizer(config: OptimizerConfig(), parameterCount: model.layout.count)
        var direction = [Double](repeating: 0, count: model.layout.count)
        let data = task.batch(size: c.batch, using: streams.data)
        var times: [Double] = []
        let started = DispatchTime.now().uptimeNanoseconds
        var warmedUp = false
        while true {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = rule.direction(model: model, batch: data, noise: streams.noise, into: &direction)
            _ = optimizer.apply(&direction, to: &model.parameters)
            model.project()
            let now = DispatchTime.now().uptimeNanoseconds
            if warmedUp { times.append(Double(now - start) / 1e6) }
            warmedUp = true
            let spent = Double(now - started) / 1e9
            if times.count >= 2 && spent > budget { break }
            if times.count >= max(repeats, 1) && spent >= minimumSeconds { break }
        }
        let ms = times.min()!
        return Measurement(
            rule: c.rule, model: c.model, hidden: c.hidden, batch: c.batch, steps: c.steps, msPerStep: ms,
            msMedian: Statistics.median(times), repeats: times.count, trialsPerSecond: Double(c.batch) / (ms / 1000),
            bpttGemmGFLOP: StepFlops.bptt(model: c.model, hidden: c.hidden, batch: c.batch, steps: c.steps, inputs: task.inputSize,
                                          outputs: task.outputSize) / 1e9)
    }
}

/// The gemm work of one BPTT step, the numerator of its efficiency: with G gate blocks (1 for the
/// leaky RNN and the PLRNN, 3 for the GRU, 4 for the LSTM) every step multiplies B × N by N × G·N
/// forward (recurrence), once more backward (the carry) and once for dW; the input and readout
/// products add 2·G·N·I and 3·N·O per row. Element-wise work is not counted: it is what the
/// efficiency measures the cost of.
public enum StepFlops {
    public static func gates(_ kind: ModelKind) -> Int {
        switch kind {
        case .leaky, .plrnn: return 1
        case .gru: return 3
        case .lstm: return 4
        }
    }

    public static func bptt(model: ModelKind, hidden n: Int, batch: Int, steps: Int, inputs: Int, outputs: Int) -> Double {
        let g = Double(gates(model)), n = Double(n), rows = Double(steps * batch)
        return 2 * rows * (3 * g * n * n + 2 * g * n * Double(inputs) + 3 * n * Double(outputs))
    }
}

/// The single-thread dgemm peak of the BLAS in use, measured in the same process as the steps:
/// the best of `repeats` products of two size × size matrices.
public enum DgemmPeak {
    /// GFLOP/s of the fastest of at least `repeats` size² products, timed until `minimumSeconds` are
    /// spent: on a shared VM a handful of 50 ms products can all land in a slow spell (five per pass,
    /// two passes, gave 34.9-43.0 GFLOP/s across runs within an hour while the steps moved by 1-2%),
    /// and a low peak flatters every efficiency.
    public static func measure(size: Int = 1024, repeats: Int = 10, minimumSeconds: Double = 1) -> Double {
        let a = (0..<(size * size)).map { Double($0 % 17) / 17 - 0.5 }
        let b = (0..<(size * size)).map { Double($0 % 13) / 13 - 0.5 }
        var c = [Double](repeating: 0, count: size * size)
        var best = Double.infinity
        let began = DispatchTime.now().uptimeNanoseconds
        var done = 0
        while done < max(repeats, 1) || Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9 < minimumSeconds {
            done += 1
            let start = DispatchTime.now().uptimeNanoseconds
            a.withUnsafeBufferPointer { A in
                b.withUnsafeBufferPointer { B in
                    c.withUnsafeMutableBufferPointer { C in
                        BLAS.gemm(m: size, n: size, k: size, a: A.baseAddress!, lda: size, b: B.baseAddress!, ldb: size,
                                  beta: 0, c: C.baseAddress!, ldc: size)
                    }
                }
            }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return 2 * pow(Double(size), 3) / best / 1e9
    }
}
