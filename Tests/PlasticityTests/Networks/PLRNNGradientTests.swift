import XCTest
@testable import Plasticity

final class PLRNNGradientTests: XCTestCase {
    /// A small random PLRNN with non-zero h0 and c, so no state sits exactly on the ReLU kink at 0
    /// (z_1 = C x_1 + h0 would be 0 for a zero input otherwise) and every group is exercised.
    func makeModel(inputs: Int, outputs: Int, seed: UInt64) -> PLRNN {
        var c = PLRNNConfig(inputSize: inputs, hiddenSize: 7, outputSize: outputs)
        c.gain = 1.2
        var m = PLRNN(config: c, rng: RandomSource(seed: seed, stream: "init"))
        let rng = RandomSource(seed: seed, stream: "bias")
        for name in ["h0", "c"] { for i in m.layout[name].range { m.parameters[i] = rng.gaussian(sigma: 0.3) } }
        return m
    }

    func check(task: any Task, truncation: Int? = nil, seed: UInt64) {
        let model = makeModel(inputs: task.inputSize, outputs: task.outputSize, seed: seed)
        let batch = task.batch(size: 3, using: RandomSource(seed: seed, stream: "data"))
        var tr = model.makeTrajectory(capacity: task.maxSteps, batch: batch.size)
        var dY = Tensor3(steps: task.maxSteps, batch: batch.size, width: task.outputSize)
        var grad = [Double]()
        _ = GradientEngine.gradient(
            model: model, batch: batch, objective: Objective(lossKind: task.lossKind), truncation: truncation,
            trajectory: &tr, outputGradient: &dY, into: &grad)
        let errors = GradientCheck.relativeErrors(layout: model.layout, parameters: model.parameters, analytic: grad, frozen: model.frozenIndices) {
            GradientCheck.loss(model, $0, batch, task.lossKind)
        }
        XCTAssertEqual(Set(errors.keys), ["A", "W", "C", "h0", "V", "c"])
        GradientCheck.assertAgrees(errors, analytic: grad)
    }

    func testMSEGradientMatchesFiniteDifferences() throws {
        let flipflop = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 12, "p": 0.3])
        check(task: flipflop, seed: 21)
        let addition = try TaskRegistry.standard.make("delayed-addition", parameters: ["T": 10])
        check(task: addition, seed: 22)
    }

    func testCrossEntropyGradientMatchesFiniteDifferences() throws {
        // Variable-length batches in a trajectory sized for the longest: exercises prepare(steps:).
        check(task: try TaskRegistry.standard.make("n-parity", parameters: ["N": 3]), seed: 23)
        check(task: try TaskRegistry.standard.make("evidence-accumulation", parameters: ["T": 9]), seed: 24)
    }

    func testDirectStateGradientIsBackpropagated() throws {
        // Loss = sum_t w_t · z_t with random w: its gradient is exactly the stateGradient path.
        let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 9, "p": 0.3])
        let model = makeModel(inputs: 3, outputs: 3, seed: 25)
        let batch = task.batch(size: 2, using: RandomSource(seed: 25, stream: "data"))
        var w = Tensor3(steps: batch.steps + 1, batch: 2, width: 7)
        let rng = RandomSource(seed: 25, stream: "w")
        for i in w.data.indices { w.data[i] = rng.gaussian() }
        for i in 0..<(2 * 7) { w.data[i] = 0 }  // z_0 is fixed
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
        XCTAssertTrue(grad[model.layout["V"].range].allSatisfy { $0 == 0 })
        for name in ["A", "W", "C", "h0"] { XCTAssertLessThan(errors[name]!, 1e-6, name) }
    }

    func testTruncationCutsTheCarry() throws {
        // With window 1 only the direct path of each step is kept: the loss at the last step then
        // reaches the parameters only through z_T's own update, so dW depends on relu(z_{T-1}) alone.
        let task = try TaskRegistry.standard.make("n-dms", parameters: ["N": 2])
        let model = makeModel(inputs: 1, outputs: 2, seed: 26)
        let batch = task.batch(size: 2, using: RandomSource(seed: 26, stream: "data"))
        var tr = model.makeTrajectory(capacity: batch.steps, batch: 2)
        var dY = Tensor3(steps: batch.steps, batch: 2, width: 2)
        var full = [Double](), cut = [Double]()
        _ = GradientEngine.gradient(model: model, batch: batch, objective: Objective(lossKind: .crossEntropy), truncation: nil,
                                    trajectory: &tr, outputGradient: &dY, into: &full)
        _ = GradientEngine.gradient(model: model, batch: batch, objective: Objective(lossKind: .crossEntropy), truncation: 1,
                                    trajectory: &tr, outputGradient: &dY, into: &cut)
        // h0's gradient under window 1 is the last step's dL/dz_T = relu'(z_T) ⊙ (dY_T V), summed over the batch.
        let h0 = model.layout["h0"].range, v = model.layout["V"].range
        XCTAssertEqual(Array(cut[v]), Array(full[v]))
        XCTAssertNotEqual(Array(cut[h0]), Array(full[h0]))
        var expected = [Double](repeating: 0, count: 7)
        let vo = model.layout["V"].offset, last = batch.steps - 1
        for b in 0..<2 { for j in 0..<7 where tr.states[last + 1, b, j] > 0 {
            for k in 0..<2 { expected[j] += dY[last, b, k] * model.parameters[vo + k * 7 + j] }
        } }
        XCTAssertTrue(expected.contains { $0 != 0 })
        for j in 0..<7 { XCTAssertEqual(cut[h0.lowerBound + j], expected[j], accuracy: 1e-14) }
    }

    func testForwardNoiseEntersThePreUpdateSumAndTheState() throws {
        let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 6, "p": 0.3])
        let model = makeModel(inputs: 3, outputs: 3, seed: 27)
        let batch = task.batch(size: 2, using: RandomSource(seed: 27, stream: "data"))
        var xi = Tensor3(steps: 6, batch: 2, width: 7)
        RandomSource(seed: 27, stream: "noise").fillGaussian(&xi.data, sigma: 0.1)
        var clean = model.makeTrajectory(capacity: 6, batch: 2)
        var pre = clean, post = clean
        model.forward(batch.inputs, into: &clean)
        model.forward(batch.inputs, noise: ForwardNoise(preactivation: xi), into: &pre)
        model.forward(batch.inputs, noise: ForwardNoise(state: xi), into: &post)
        // Step 1 sees no earlier noise: the pre-update sum (and z_1) move by exactly xi_1.
        for i in 0..<14 {
            XCTAssertEqual(pre.preactivations.data[i], clean.preactivations.data[i] + xi.data[i], accuracy: 1e-15)
            XCTAssertEqual(pre.states.data[14 + i], clean.states.data[14 + i] + xi.data[i], accuracy: 1e-15)
        }
        // In the PLRNN both kinds of noise shift z_t alike; only the recorded pre-update sum differs.
        XCTAssertEqual(pre.states, post.states)
        XCTAssertEqual(pre.outputs, post.outputs)
        XCTAssertNotEqual(pre.preactivations, post.preactivations)
        XCTAssertNotEqual(pre.outputs, clean.outputs)
        for t in 0..<6 { for b in 0..<2 { for j in 0..<7 {
            XCTAssertEqual(pre.activations[t, b, j], max(pre.states[t + 1, b, j], 0))
        } } }
    }

    func testDiagonalOfWStaysZeroAndInitIsStable() {
        var c = PLRNNConfig(inputSize: 1, hiddenSize: 50, outputSize: 2)
        c.gain = 1.5
        let model = PLRNN(config: c, rng: RandomSource(seed: 3, stream: "init"))
        let w = model.layout["W"]
        for i in 0..<50 { XCTAssertEqual(model.parameters[w.offset + i * 50 + i], 0) }
        XCTAssertEqual(model.frozenIndices.count, 50)
        // The row scaling keeps the free-running state bounded over 100 steps from a unit kick.
        var inputs = Tensor3(steps: 100, batch: 1, width: 1)
        inputs[0, 0, 0] = 1
        var tr = model.makeTrajectory(capacity: 100, batch: 1)
        model.forward(inputs, into: &tr)
        let maxState = tr.states.data.map(abs).max()!
        XCTAssertTrue(maxState.isFinite && maxState < 100, "max |z| = \(maxState)")
    }
}
