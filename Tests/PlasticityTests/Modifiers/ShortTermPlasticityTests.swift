import XCTest
@testable import Plasticity

final class ShortTermPlasticityTests: XCTestCase {
    func makeModel(activation: Activation, selfConnections: Bool, seed: UInt64) -> LeakyRNN {
        var c = LeakyRNNConfig(inputSize: 3, hiddenSize: 5, outputSize: 3)
        c.activation = activation
        c.gain = 1.5
        c.tauRange = 1.5...3
        c.selfConnections = selfConnections
        var m = LeakyRNN(config: c, rng: RandomSource(seed: seed, stream: "init"))
        let rng = RandomSource(seed: seed, stream: "bias")
        for i in m.layout["b"].range { m.parameters[i] = rng.gaussian(sigma: 0.3) }
        return m
    }

    func testWithZeroRateTheForwardPassIsTheLeakyRNNsBitForBit() throws {
        let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 20, "p": 0.3])
        for f in [Activation.tanh, .leakyRelu] {
            let model = makeModel(activation: f, selfConnections: false, seed: 2)
            let batch = task.batch(size: 4, using: RandomSource(seed: 2, stream: "data"))
            var plain = model.makeTrajectory(capacity: 20, batch: 4), fast = model.makeTrajectory(capacity: 20, batch: 4)
            model.forward(batch.inputs, into: &plain)
            let stp = ShortTermPlasticity(config: ShortTermPlasticityConfig(eta: 0, tauF: 7), batchSize: 4, hiddenSize: 5)
            stp.forward(model, inputs: batch.inputs, into: &fast)
            XCTAssertEqual(fast.states, plain.states)
            XCTAssertEqual(fast.preactivations, plain.preactivations)
            XCTAssertEqual(fast.activations, plain.activations)
            XCTAssertEqual(fast.outputs, plain.outputs)
            // Preactivation noise (node perturbation) enters as in the plain pass; a smaller batch fits the buffers.
            var xi = Tensor3(steps: 20, batch: 3, width: 5)
            RandomSource(seed: 3, stream: "xi").fillGaussian(&xi.data, sigma: 0.1)
            let small = task.batch(size: 3, using: RandomSource(seed: 3, stream: "data"))
            var plainNoisy = model.makeTrajectory(capacity: 20, batch: 3), fastNoisy = plainNoisy
            model.forward(small.inputs, noise: ForwardNoise(preactivation: xi), into: &plainNoisy)
            stp.forward(model, inputs: small.inputs, noise: ForwardNoise(preactivation: xi), into: &fastNoisy)
            XCTAssertEqual(fastNoisy.states, plainNoisy.states)
            XCTAssertEqual(fastNoisy.outputs, plainNoisy.outputs)
            // With a positive rate the fast weights do change the dynamics.
            let active = ShortTermPlasticity(config: ShortTermPlasticityConfig(eta: 0.5, tauF: 7), batchSize: 4, hiddenSize: 5)
            active.forward(model, inputs: batch.inputs, into: &fast)
            XCTAssertNotEqual(fast.states, plain.states)
        }
    }

    /// The first `steps` steps of `x`.
    func prefix(_ x: Tensor3, steps: Int) -> Tensor3 {
        Tensor3(steps: steps, batch: x.batch, width: x.width, data: Array(x.data[0..<(steps * x.batch * x.width)]))
    }

    /// F_t - (1 - 1/tau_f) F_{t-1} = -eta_f × d/dW ½||h_t - h_{t-1}||² through a_t only (h_{t-1}, F_{t-1}
    /// held fixed): the update is the local gradient step of TCR; the gradient is taken by finite differences.
    func testFastWeightChangeIsTheLocalGradientStepOfTheTemporalDifference() throws {
        let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 6, "p": 0.4])
        let n = 5, eta = 0.3
        for (activation, tauF) in [(Activation.tanh, Double.infinity), (.leakyRelu, 4.0)] {
            let model = makeModel(activation: activation, selfConnections: true, seed: 9)
            let batch = task.batch(size: 2, using: RandomSource(seed: 9, stream: "data"))
            let stp = ShortTermPlasticity(config: ShortTermPlasticityConfig(eta: eta, tauF: tauF), batchSize: 2, hiddenSize: n)
            var tr = model.makeTrajectory(capacity: 6, batch: 2)
            let t = 4
            stp.forward(model, inputs: prefix(batch.inputs, steps: t - 1), into: &tr)
            let before = stp.fastWeights(trial: 1)
            let hPrev = (0..<n).map { tr.states[t - 1, 1, $0] }
            stp.forward(model, inputs: prefix(batch.inputs, steps: t), into: &tr)
            let after = stp.fastWeights(trial: 1)
            XCTAssertGreaterThan(before.data.map(abs).max()!, 1e-6, "F must have built up before step t")
            let keep = tauF.isFinite ? 1 - 1 / tauF : 1
            let change = zip(after.data, before.data).map { $0 - keep * $1 }

            // One step from h_{t-1} with recurrent weights Wf (W + F_{t-1} at the FD point).
            let wo = model.layout["W"].offset, uo = model.layout["U"].offset, bo = model.layout["b"].offset, to = model.layout["tau"].offset
            let P = model.parameters
            func halfSquaredStep(_ wf: [Double]) -> Double {
                var r = 0.0
                for j in 0..<n {
                    var a = P[bo + j]
                    for i in 0..<n { a += wf[j * n + i] * hPrev[i] }
                    for k in 0..<3 { a += P[uo + j * 3 + k] * batch.inputs[t - 1, 1, k] }
                    let alpha = 1 / max(P[to + j], 1)
                    let step = alpha * (activation.value(a) - hPrev[j])
                    r += 0.5 * step * step
                }
                return r
            }
            var wf = (0..<(n * n)).map { P[wo + $0] + before.data[$0] }
            // The forward pass at step t saw exactly this state.
            for j in 0..<n { XCTAssertEqual(hPrev[j], tr.states[t - 1, 1, j]) }
            var fdDiff = 0.0, fdNorm = 0.0
            for i in 0..<(n * n) {
                let saved = wf[i]
                wf[i] = saved + 1e-6
                let up = halfSquaredStep(wf)
                wf[i] = saved - 1e-6
                let down = halfSquaredStep(wf)
                wf[i] = saved
                let expected = -eta * (up - down) / 2e-6
                fdDiff += (change[i] - expected) * (change[i] - expected)
                fdNorm += expected * expected
            }
            XCTAssertGreaterThan(fdNorm.squareRoot(), 1e-6)
            XCTAssertLessThan(fdDiff.squareRoot() / fdNorm.squareRoot(), 1e-6, "\(activation)")
        }
    }

    func testNoAutapsesAndConsolidation() throws {
        let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 10, "p": 0.4])
        var model = makeModel(activation: .tanh, selfConnections: false, seed: 4)
        let batch = task.batch(size: 3, using: RandomSource(seed: 4, stream: "data"))
        let stp = ShortTermPlasticity(config: ShortTermPlasticityConfig(eta: 0.2, tauF: 10, consolidation: 0.25), batchSize: 3, hiddenSize: 5)
        var tr = model.makeTrajectory(capacity: 10, batch: 3)
        stp.forward(model, inputs: batch.inputs, into: &tr)
        for b in 0..<3 { for j in 0..<5 { XCTAssertEqual(stp.fastWeights(trial: b)[j, j], 0) } }
        let w = model.layout["W"]
        let before = Array(model.parameters[w.range])
        stp.consolidate(into: &model)
        for k in 0..<25 {
            let mean = (0..<3).map { stp.fastWeights(trial: $0).data[k] }.reduce(0, +) / 3
            XCTAssertEqual(model.parameters[w.offset + k], before[k] + 0.25 * mean, accuracy: 1e-15)
        }
        XCTAssertNotEqual(Array(model.parameters[w.range]), before)
    }

    func testSettingsAreValidated() {
        XCTAssertThrowsError(try ShortTermPlasticityConfig(settings: ["tau_f": 3], file: "p.toml")) {
            XCTAssertEqual("\($0)", "p.toml: stp: unknown parameter 'tau_f' (did you mean 'tau-f'?); valid: eta, tau-f, consolidation")
        }
        XCTAssertThrowsError(try ShortTermPlasticityConfig(settings: ["consolidation": 2])) {
            XCTAssertEqual("\($0)", "stp: consolidation: value 2 out of range; valid: 0.0...1.0")
        }
        XCTAssertThrowsError(try ShortTermPlasticityConfig(eta: 0.1, tauF: 0.5).validate())
        XCTAssertNoThrow(try ShortTermPlasticityConfig(eta: 0.1, tauF: .infinity).validate())
    }
}
