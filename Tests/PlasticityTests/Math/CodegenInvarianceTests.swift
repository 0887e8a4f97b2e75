import Dense
import Foundation
import XCTest
@testable import Plasticity

/// `make` compiles Swift for the CPU's vector units (`-target-cpu haswell` where AVX2 and FMA exist;
/// Makefile, CPU_FLAGS), `swift build` alone for any x86-64. The two must compute the same numbers
/// bit for bit, or a results file resumed by the other binary would mix two sciences. Swift never
/// fuses a·b + c into an FMA on its own, so wider lanes change nothing; these pins, computed by the
/// portable build, catch the day that stops being true (a new compiler, a fast-math flag).
final class CodegenInvarianceTests: XCTestCase {
    /// FNV-1a over the values' bit patterns.
    static func fingerprint(_ values: [Double]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for v in values {
            var bits = v.bitPattern
            for _ in 0..<8 {
                h = (h ^ (bits & 0xff)) &* 0x100_0000_01b3
                bits >>= 8
            }
        }
        return String(h, radix: 16)
    }

    /// The element-wise kernels alone (no BLAS): every activation, forward and derivative, over ±30.
    func testActivationsMatchThePortableBuildBitForBit() {
        let rng = RandomSource(seed: 11, stream: "codegen")
        let x = (0..<100_003).map { i in i % 7 == 0 ? rng.uniform(-1, 1) : rng.uniform(-30, 30) }
        var pins: [String: String] = [:]
        for f in [Activation.tanh, .sigmoid, .relu, .leakyRelu] {
            var y = [Double](repeating: 0, count: x.count)
            x.withUnsafeBufferPointer { X in
                y.withUnsafeMutableBufferPointer { Y in f.apply(X.baseAddress!, into: Y.baseAddress!, count: x.count) }
            }
            let slopes = zip(x, y).map { f.derivative($0, value: $1) }
            pins[f.rawValue] = Self.fingerprint(y + slopes)
        }
        XCTAssertEqual(pins, [
            "tanh": "869d4fe97e740cfb", "sigmoid": "8e11ccb797163b9d", "relu": "aa1ad08b4d10bdb",
            "leaky-relu": "cb08624acaa8b4cd",
        ])
    }

    /// Whole training steps (forward, the rule's direction, the optimiser) of every model and the main
    /// rules. These go through OpenBLAS too, whose kernels differ between CPU families, so the pins
    /// hold for the core they were made on (Zen) and the test says so elsewhere.
    func testTrainingStepsMatchThePortableBuildBitForBit() throws {
        guard BLAS.configuration.contains(" Zen ") else {
            throw XCTSkip("pinned on OpenBLAS's Zen kernels; this machine uses: \(BLAS.configuration)")
        }
        let cases: [(rule: String, model: ModelKind, activation: Activation)] = [
            ("bptt", .leaky, .tanh), ("eprop", .leaky, .tanh), ("rflo", .leaky, .tanh),
            ("node-perturbation", .leaky, .tanh), ("bptt", .leaky, .sigmoid), ("bptt", .plrnn, .tanh),
            ("bptt", .gru, .tanh), ("eprop", .lstm, .tanh),
        ]
        var pins: [String: String] = [:]
        for c in cases {
            let task = try TaskRegistry.standard.make("n-parity", parameters: ["N": 3])
            var spec = ModelSpec()
            spec.kind = c.model
            spec.hidden = 13
            spec.activation = c.activation
            let streams = RunStreams(seed: 4)
            var model = spec.makeModel(inputSize: task.inputSize, outputSize: task.outputSize, rng: streams.initialization)
            let rule = try RuleRegistry.standard.make(
                c.rule, model: model, objective: Objective(lossKind: task.lossKind), batchSize: 8, maxSteps: 40)
            var optimizer = Optimizer(config: OptimizerConfig(), parameterCount: model.layout.count)
            var direction = [Double](repeating: 0, count: model.layout.count)
            for _ in 0..<6 {
                let data = task.batch(size: 8, using: streams.data)
                _ = rule.direction(model: model, batch: data, noise: streams.noise, into: &direction)
                _ = optimizer.apply(&direction, to: &model.parameters)
                model.project()
            }
            pins["\(c.rule) \(c.model.rawValue) \(c.activation.rawValue)"] = Self.fingerprint(model.parameters)
        }
        XCTAssertEqual(pins, [
            "bptt leaky tanh": "4541fcbd6642f6d2", "eprop leaky tanh": "f3e19d17d5aafb02",
            "rflo leaky tanh": "f163754218537f35", "node-perturbation leaky tanh": "68be41f0e9282e36",
            "bptt leaky sigmoid": "e782574d97582399", "bptt plrnn tanh": "e81113f9d479f9b0",
            "bptt gru tanh": "44162ef70fec2ec2", "eprop lstm tanh": "958d76ec54968691",
        ])
    }
}
