import XCTest
@testable import Plasticity

final class TemporalConsistencyTests: XCTestCase {
    func makeModel(activation: Activation, seed: UInt64) -> LeakyRNN {
        var c = LeakyRNNConfig(inputSize: 3, hiddenSize: 6, outputSize: 3)
        c.activation = activation
        c.gain = 1.4
        c.tauRange = 1.5...3
        var m = LeakyRNN(config: c, rng: RandomSource(seed: seed, stream: "init"))
        let rng = RandomSource(seed: seed, stream: "bias")
        for name in ["b", "c"] { for i in m.layout[name].range { m.parameters[i] = rng.gaussian(sigma: 0.3) } }
        return m
    }

    /// Task loss + R recomputed from scratch, for finite differences.
    func totalLoss(_ model: LeakyRNN, _ p: [Double], _ batch: Batch, lambda: Double) -> Double {
        var m = model
        m.parameters = p
        var tr = m.makeTrajectory(capacity: batch.steps, batch: batch.size)
        m.forward(batch.inputs, into: &tr)
        var r = 0.0
        for t in 1...batch.steps { for b in 0..<batch.size { for j in 0..<m.hiddenSize {
            let d = tr.states[t, b, j] - tr.states[t - 1, b, j]
            r += d * d
        } } }
        return Loss.evaluate(.mse, outputs: tr.outputs, batch: batch) + lambda * r / Double(batch.steps * batch.size * m.hiddenSize)
    }

    func testTotalGradientMatchesFiniteDifferencesForTanhAndLeakyRelu() throws {
        let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 11, "p": 0.3])
        for (i, f) in [Activation.tanh, .leakyRelu].enumerated() {
            let model = makeModel(activation: f, seed: UInt64(20 + i))
            let batch = task.batch(size: 3, using: RandomSource(seed: UInt64(20 + i), stream: "data"))
            let lambda = 0.7
            let objective = Objective(lossKind: .mse, tcr: TCRStrength(lambda: lambda))
            var tr = model.makeTrajectory(capacity: batch.steps, batch: batch.size)
            var dY = Tensor3(steps: batch.steps, batch: batch.size, width: 3)
            var sg = Tensor3(steps: batch.steps + 1, batch: batch.size, width: 6)
            var grad = [Double]()
            let stats = GradientEngine.gradient(
                model: model, batch: batch, objective: objective, truncation: nil,
                trajectory: &tr, outputGradient: &dY, stateGradient: &sg, into: &grad)
            XCTAssertEqual(stats.loss, totalLoss(model, model.parameters, batch, lambda: lambda), accuracy: 1e-12)
            XCTAssertGreaterThan(stats.loss - stats.taskLoss, 1e-4, "the TCR term must be present")
            XCTAssertEqual(stats.taskLoss, Loss.evaluate(.mse, outputs: tr.outputs, batch: batch), accuracy: 1e-15)
            let errors = GradientCheck.relativeErrors(
                layout: model.layout, parameters: model.parameters, analytic: grad, frozen: model.frozenIndices
            ) { self.totalLoss(model, $0, batch, lambda: lambda) }
            GradientCheck.assertAgrees(errors, analytic: grad)
        }
    }

    func testTCRChangesTheGradientOnlyWhenLambdaIsPositive() throws {
        let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 8, "p": 0.3])
        let model = makeModel(activation: .tanh, seed: 3)
        let batch = task.batch(size: 2, using: RandomSource(seed: 3, stream: "data"))
        func gradient(_ objective: Objective) -> ([Double], StepStats) {
            var tr = model.makeTrajectory(capacity: batch.steps, batch: 2)
            var dY = Tensor3(steps: batch.steps, batch: 2, width: 3)
            var g = [Double]()
            let s = GradientEngine.gradient(model: model, batch: batch, objective: objective, truncation: nil,
                                            trajectory: &tr, outputGradient: &dY, into: &g)
            return (g, s)
        }
        let strength = TCRStrength(lambda: 0)
        let (plain, plainStats) = gradient(Objective(lossKind: .mse))
        let (zero, zeroStats) = gradient(Objective(lossKind: .mse, tcr: strength))
        XCTAssertEqual(plain, zero)
        XCTAssertEqual(plainStats, zeroStats)
        XCTAssertEqual(zeroStats.loss, zeroStats.taskLoss)
        strength.lambda = 0.5  // a schedule changes lambda in place; the objective sees it
        let (withTCR, stats) = gradient(Objective(lossKind: .mse, tcr: strength))
        XCTAssertNotEqual(plain, withTCR)
        XCTAssertEqual(stats.taskLoss, plainStats.taskLoss)
    }

    func testLocalLearningSignalEqualsTheStateGradient() throws {
        let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 7, "p": 0.3])
        let model = makeModel(activation: .leakyRelu, seed: 4)
        let batch = task.batch(size: 2, using: RandomSource(seed: 4, stream: "data"))
        var tr = model.makeTrajectory(capacity: batch.steps, batch: 2)
        model.forward(batch.inputs, into: &tr)
        var sg = Tensor3(steps: 0, batch: 2, width: 6)
        let r = TemporalConsistency.stateGradient(tr, lambda: 0.3, into: &sg)
        XCTAssertEqual(r, TemporalConsistency.penalty(tr, lambda: 0.3))
        XCTAssertEqual(TemporalConsistency.penalty(tr, lambda: 0), 0)
        var signal = [Double](repeating: .nan, count: 12)
        for t in 1...7 {
            TemporalConsistency.localLearningSignal(tr, step: t, lambda: 0.3, into: &signal)
            for i in 0..<12 { XCTAssertEqual(signal[i], sg.data[t * 12 + i], accuracy: 1e-15, "t=\(t)") }
        }
        XCTAssertTrue(sg.data[0..<12].allSatisfy { $0 == 0 })
        // The last step carries only the backward difference h_T - h_{T-1}.
        let scale = 2 * 0.3 / Double(7 * 2 * 6)
        XCTAssertEqual(sg[7, 1, 2], scale * (tr.states[7, 1, 2] - tr.states[6, 1, 2]), accuracy: 1e-15)
    }
}
