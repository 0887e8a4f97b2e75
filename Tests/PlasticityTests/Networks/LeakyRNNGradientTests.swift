import XCTest
@testable import Plasticity

final class LeakyRNNGradientTests: XCTestCase {
    /// A small random network with tau well inside the trainable region (tau > 1).
    func makeModel(inputs: Int, outputs: Int, activation: Activation, seed: UInt64) -> LeakyRNN {
        var c = LeakyRNNConfig(inputSize: inputs, hiddenSize: 7, outputSize: outputs)
        c.activation = activation
        c.gain = 1.3
        c.tauRange = 1.5...3
        var m = LeakyRNN(config: c, rng: RandomSource(seed: seed, stream: "init"))
        // Non-zero biases so every group's gradient is exercised.
        let rng = RandomSource(seed: seed, stream: "bias")
        for name in ["b", "c"] { for i in m.layout[name].range { m.parameters[i] = rng.gaussian(sigma: 0.3) } }
        return m
    }

    func check(task: any Task, activation: Activation, truncation: Int? = nil, seed: UInt64) {
        let model = makeModel(inputs: task.inputSize, outputs: task.outputSize, activation: activation, seed: seed)
        let batch = task.batch(size: 3, using: RandomSource(seed: seed, stream: "data"))
        var tr = model.makeTrajectory(capacity: batch.steps, batch: batch.size)
        var dY = Tensor3(steps: batch.steps, batch: batch.size, width: task.outputSize)
        var grad = [Double]()
        _ = GradientEngine.gradient(
            model: model, batch: batch, objective: Objective(lossKind: task.lossKind), truncation: truncation,
            trajectory: &tr, outputGradient: &dY, into: &grad)
        let errors = GradientCheck.relativeErrors(layout: model.layout, parameters: model.parameters, analytic: grad, frozen: model.frozenIndices) {
            GradientCheck.loss(model, $0, batch, task.lossKind)
        }
        GradientCheck.assertAgrees(errors, analytic: grad)
    }

    func testMSEGradientMatchesFiniteDifferencesForEveryActivation() throws {
        let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 12, "p": 0.3])
        for (i, f) in Activation.allCases.enumerated() { check(task: task, activation: f, seed: UInt64(10 + i)) }
    }

    func testCrossEntropyGradientMatchesFiniteDifferences() throws {
        // Variable-length batches (n-parity) and a fixed-length one (evidence accumulation).
        let parity = try TaskRegistry.standard.make("n-parity", parameters: ["N": 3])
        check(task: parity, activation: .leakyRelu, seed: 31)
        check(task: parity, activation: .tanh, seed: 32)
        let evidence = try TaskRegistry.standard.make("evidence-accumulation", parameters: ["T": 9])
        check(task: evidence, activation: .sigmoid, seed: 33)
    }

    func testDirectStateGradientIsBackpropagated() throws {
        // Loss = sum_t w_t · h_t with random w: its gradient is exactly the stateGradient path.
        let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 9, "p": 0.3])
        let model = makeModel(inputs: 3, outputs: 3, activation: .tanh, seed: 5)
        let batch = task.batch(size: 2, using: RandomSource(seed: 5, stream: "data"))
        var w = Tensor3(steps: batch.steps + 1, batch: 2, width: 7)
        let rng = RandomSource(seed: 5, stream: "w")
        for i in w.data.indices { w.data[i] = rng.gaussian() }
        for i in 0..<(2 * 7) { w.data[i] = 0 }  // h_0 is fixed
        func loss(_ p: [Double]) -> Double {
            var m = model
            m.parameters = p
            var tr = m.makeTrajectory(capacity: batch.steps, batch: 2)
            m.forward(batch.inputs, into: &tr)
            return zip(tr.states.data, w.data).reduce(0) { $0 + $1.0 * $1.1 }
        }
        var tr = model.makeTrajectory(capacity: batch.steps, batch: 2)
        model.forward(batch.inputs, into: &tr)
        var grad = [Double]()
        model.backward(&tr, inputs: batch.inputs, outputGradient: Tensor3(steps: batch.steps, batch: 2, width: 3),
                       stateGradient: w, truncation: nil, into: &grad)
        let errors = GradientCheck.relativeErrors(layout: model.layout, parameters: model.parameters, analytic: grad, frozen: model.frozenIndices, loss: loss)
        XCTAssertEqual(grad[model.layout["V"].range].allSatisfy { $0 == 0 }, true)
        for name in ["W", "U", "b", "tau"] { XCTAssertLessThan(errors[name]!, 1e-6, name) }
    }

    func testClampedTauHasNoGradientAndDiagonalStaysZero() throws {
        let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 6, "p": 0.3])
        var model = makeModel(inputs: 3, outputs: 3, activation: .tanh, seed: 8)
        let tau = model.layout["tau"]
        model.parameters[tau.offset] = 0.5  // below the clamp: forward uses 1
        let batch = task.batch(size: 2, using: RandomSource(seed: 8, stream: "data"))
        var tr = model.makeTrajectory(capacity: batch.steps, batch: 2)
        var dY = Tensor3(steps: batch.steps, batch: 2, width: 3)
        var grad = [Double]()
        _ = GradientEngine.gradient(model: model, batch: batch, objective: Objective(lossKind: .mse), truncation: nil,
                                    trajectory: &tr, outputGradient: &dY, into: &grad)
        XCTAssertEqual(grad[tau.offset], 0)
        XCTAssertNotEqual(grad[tau.offset + 1], 0)
        let w = model.layout["W"]
        for i in 0..<7 { XCTAssertEqual(grad[w.offset + i * 7 + i], 0) }
    }
}
