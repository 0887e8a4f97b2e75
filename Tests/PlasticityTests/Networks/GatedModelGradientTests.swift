import XCTest
@testable import Plasticity
@testable import PlasticityModels

/// GRU and LSTM: exact backward passes against central finite differences for every parameter
/// group, with the task loss, the direct state gradient (TCR) and truncation; forward noise hooks.
final class GatedModelGradientTests: XCTestCase {
    static let kinds: [ModelKind] = [.gru, .lstm]
    static let groups: [ModelKind: Set<String>] = [
        .gru: ["Wr", "Wz", "Wn", "Ur", "Uz", "Un", "br", "bz", "bn", "bhn", "V", "c"],
        .lstm: ["Wi", "Wf", "Wg", "Wo", "Ui", "Uf", "Ug", "Uo", "bi", "bf", "bg", "bo", "V", "c"],
    ]

    /// A small model with its initial parameters scaled up (×2.5), so the gates leave their linear range.
    func makeModel(_ kind: ModelKind, inputs: Int, outputs: Int, seed: UInt64) -> any RecurrentModel {
        var spec = ModelSpec()
        spec.kind = kind
        spec.hidden = 5
        var model = spec.makeModel(inputSize: inputs, outputSize: outputs, rng: RandomSource(seed: seed, stream: "init"))
        model.parameters = model.parameters.map { 2.5 * $0 }
        return model
    }

    /// Task loss (+ TCR penalty) of `model` with `parameters`, from a fresh forward pass.
    func objectiveValue(_ model: any RecurrentModel, _ parameters: [Double], _ batch: Batch, _ kind: LossKind, lambda: Double) -> Double {
        var m = model
        m.parameters = parameters
        var tr = m.makeTrajectory(capacity: batch.steps, batch: batch.size)
        m.forward(batch.inputs, into: &tr)
        return Loss.evaluate(kind, outputs: tr.outputs, batch: batch) + TemporalConsistency.penalty(tr, lambda: lambda)
    }

    func analyticGradient(_ model: any RecurrentModel, _ batch: Batch, _ objective: Objective, truncation: Int?) -> [Double] {
        var tr = model.makeTrajectory(capacity: batch.steps, batch: batch.size)
        var dY = Tensor3(steps: batch.steps, batch: batch.size, width: model.outputSize)
        var grad = [Double]()
        _ = GradientEngine.gradient(
            model: model, batch: batch, objective: objective, truncation: truncation, trajectory: &tr, outputGradient: &dY, into: &grad)
        return grad
    }

    func check(_ kind: ModelKind, task: any Task, lambda: Double = 0, seed: UInt64, file: StaticString = #filePath, line: UInt = #line) {
        let model = makeModel(kind, inputs: task.inputSize, outputs: task.outputSize, seed: seed)
        let batch = task.batch(size: 3, using: RandomSource(seed: seed, stream: "data"))
        let objective = Objective(lossKind: task.lossKind, tcr: lambda > 0 ? TCRStrength(lambda: lambda) : nil)
        let grad = analyticGradient(model, batch, objective, truncation: nil)
        let errors = GradientCheck.relativeErrors(layout: model.layout, parameters: model.parameters, analytic: grad) {
            objectiveValue(model, $0, batch, task.lossKind, lambda: lambda)
        }
        XCTAssertEqual(Set(errors.keys), GatedModelGradientTests.groups[kind], file: file, line: line)
        GradientCheck.assertAgrees(errors, analytic: grad, file: file, line: line)
    }

    func testMSEGradientMatchesFiniteDifferences() throws {
        let flipflop = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 12, "p": 0.3])
        let addition = try TaskRegistry.standard.make("delayed-addition", parameters: ["T": 10])
        for kind in Self.kinds {
            check(kind, task: flipflop, seed: 31)
            check(kind, task: addition, seed: 32)
        }
    }

    func testCrossEntropyGradientMatchesFiniteDifferences() throws {
        // Variable-length batches in a trajectory sized for the longest: exercises prepare(steps:).
        let parity = try TaskRegistry.standard.make("n-parity", parameters: ["N": 3])
        let evidence = try TaskRegistry.standard.make("evidence-accumulation", parameters: ["T": 9])
        for kind in Self.kinds {
            check(kind, task: parity, seed: 33)
            check(kind, task: evidence, seed: 34)
        }
    }

    func testBPTTWithTCRMatchesFiniteDifferences() throws {
        // TCR acts on h_t; its dR/dh_t enters backward as the direct state gradient.
        let flipflop = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 10, "p": 0.3])
        let dms = try TaskRegistry.standard.make("n-dms", parameters: ["N": 3])
        for kind in Self.kinds {
            check(kind, task: flipflop, lambda: 0.7, seed: 35)
            check(kind, task: dms, lambda: 2, seed: 36)
        }
    }

    func testDirectStateGradientAloneIsBackpropagated() throws {
        // Loss = Σ_t w_t · h_t with random w: its gradient is exactly the stateGradient path.
        let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 9, "p": 0.3])
        for kind in Self.kinds {
            let model = makeModel(kind, inputs: 3, outputs: 3, seed: 37)
            let batch = task.batch(size: 2, using: RandomSource(seed: 37, stream: "data"))
            var w = Tensor3(steps: batch.steps + 1, batch: 2, width: 5)
            RandomSource(seed: 37, stream: "w").fillGaussian(&w.data, sigma: 1)
            for i in 0..<(2 * 5) { w.data[i] = 0 }  // h_0 is fixed
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
            let errors = GradientCheck.relativeErrors(layout: model.layout, parameters: model.parameters, analytic: grad, loss: loss)
            for name in ["V", "c"] { XCTAssertTrue(grad[model.layout[name].range].allSatisfy { $0 == 0 }, "\(kind) \(name)") }
            for (name, e) in errors where name != "V" && name != "c" { XCTAssertLessThan(e, 1e-6, "\(kind) \(name)") }
        }
    }

    // MARK: Truncation

    /// Runs steps `window` of `batch` from the entry state `h` (and LSTM cell `c`) held constant, with
    /// the model's own step functions; returns the outputs and the states it produces.
    func runWindow(
        _ model: any RecurrentModel, _ p: [Double], _ batch: Batch, _ window: Range<Int>, h entryH: [Double], c entryC: [Double]
    ) -> (outputs: [[Double]], states: [[Double]]) {
        let n = model.hiddenSize, nIn = model.inputSize, nOut = model.outputSize, b = batch.size, l = model.layout
        var h = entryH, c = entryC
        var outputs: [[Double]] = [], states: [[Double]] = []
        let gates = model.kind == .gru ? 3 : 4
        for t in window {
            // The input drives of the stacked gates, U x_t, by hand.
            var pre = [Double](repeating: 0, count: b * 4 * n)
            let uo = l[model.kind == .gru ? "Ur" : "Ui"].offset
            for bi in 0..<b { for r in 0..<(gates * n) { for i in 0..<nIn {
                pre[bi * 4 * n + r] += p[uo + r * nIn + i] * batch.inputs[t, bi, i]
            } } }
            var next = [Double](repeating: 0, count: b * n)
            p.withUnsafeBufferPointer { P in
                if model.kind == .gru {
                    var rec = [Double](repeating: 0, count: b * 3 * n), act = [Double](repeating: 0, count: b * 3 * n)
                    GRU.step(batch: b, hidden: n, parameters: P.baseAddress!, offsets: GRU.Offsets(l), hPrev: h, pre: &pre,
                             recurrent: &rec, preactivationNoise: nil, stateNoise: nil, gates: &act, hNow: &next)
                } else {
                    var cells = [Double](repeating: 0, count: b * 6 * n)
                    LSTM.step(batch: b, hidden: n, parameters: P.baseAddress!, recurrentOffset: l["Wi"].offset, biasOffset: l["bi"].offset,
                              hPrev: h, cPrev: c, cStride: n, pre: &pre, preactivationNoise: nil, stateNoise: nil, cells: &cells, hNow: &next)
                    for bi in 0..<b { for j in 0..<n { c[bi * n + j] = cells[bi * 6 * n + 4 * n + j] } }
                }
            }
            h = next
            states.append(h)
            var y = [Double](repeating: 0, count: b * nOut)
            for bi in 0..<b { for k in 0..<nOut {
                y[bi * nOut + k] = p[l["c"].offset + k]
                for j in 0..<n { y[bi * nOut + k] += p[l["V"].offset + k * n + j] * h[bi * n + j] }
            } }
            outputs.append(y)
        }
        return (outputs, states)
    }

    /// Brute force: each window [mk, (m+1)k) runs from its entry state (from the unperturbed pass)
    /// held constant; the objective is every step's task loss plus the TCR terms of the states each
    /// window produces. Its finite-difference gradient must equal truncated backprop.
    func checkTruncation(_ kind: ModelKind, task: any Task, k: Int, lambda: Double, seed: UInt64) {
        let model = makeModel(kind, inputs: task.inputSize, outputs: task.outputSize, seed: seed)
        let batch = task.batch(size: 2, using: RandomSource(seed: seed, stream: "data"))
        let objective = Objective(lossKind: task.lossKind, tcr: lambda > 0 ? TCRStrength(lambda: lambda) : nil)
        let grad = analyticGradient(model, batch, objective, truncation: k)
        var clean = model.makeTrajectory(capacity: batch.steps, batch: batch.size)
        model.forward(batch.inputs, into: &clean)
        let n = model.hiddenSize, b = batch.size, slice = b * n
        func entry(_ t: Int) -> (h: [Double], c: [Double]) {
            let h = Array(clean.states.data[(t * slice)..<((t + 1) * slice)])
            var c = [Double](repeating: 0, count: slice)
            if kind == .lstm && t > 0 { for bi in 0..<b { for j in 0..<n { c[bi * n + j] = clean.activations[t - 1, bi, 4 * n + j] } } }
            return (h, c)
        }
        func truncatedObjective(_ p: [Double]) -> Double {
            var outputs = Tensor3(steps: batch.steps, batch: b, width: model.outputSize)
            var penalty = 0.0
            for start in stride(from: 0, to: batch.steps, by: k) {
                let window = start..<min(start + k, batch.steps)
                let (h, c) = entry(start)
                let run = runWindow(model, p, batch, window, h: h, c: c)
                var previous = h
                for (s, t) in window.enumerated() {
                    for i in 0..<(b * model.outputSize) { outputs.data[t * b * model.outputSize + i] = run.outputs[s][i] }
                    for i in 0..<slice { penalty += (run.states[s][i] - previous[i]) * (run.states[s][i] - previous[i]) }
                    previous = run.states[s]
                }
            }
            return Loss.evaluate(task.lossKind, outputs: outputs, batch: batch) + lambda * penalty / Double(batch.steps * slice)
        }
        // Without a cut the windows' objective is the plain one.
        XCTAssertEqual(truncatedObjective(model.parameters), objectiveValue(model, model.parameters, batch, task.lossKind, lambda: lambda), accuracy: 1e-12)
        let errors = GradientCheck.relativeErrors(layout: model.layout, parameters: model.parameters, analytic: grad, loss: truncatedObjective)
        GradientCheck.assertAgrees(errors, analytic: grad)
        XCTAssertNotEqual(grad, analyticGradient(model, batch, objective, truncation: nil), "\(kind): the cut changes the gradient")
    }

    func testTruncatedGradientMatchesBruteForceWindows() throws {
        let flipflop = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 11, "p": 0.3])
        let dms = try TaskRegistry.standard.make("n-dms", parameters: ["N": 3])
        for kind in Self.kinds {
            checkTruncation(kind, task: flipflop, k: 4, lambda: 0, seed: 38)
            checkTruncation(kind, task: flipflop, k: 3, lambda: 0.9, seed: 39)
            checkTruncation(kind, task: dms, k: 3, lambda: 0, seed: 40)
        }
    }

    // MARK: Forward pass

    func testForwardIsDeterministicAndNoiseEntersWhereDocumented() throws {
        let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 6, "p": 0.3])
        for kind in Self.kinds {
            let model = makeModel(kind, inputs: 3, outputs: 3, seed: 41)
            let batch = task.batch(size: 2, using: RandomSource(seed: 41, stream: "data"))
            var xi = Tensor3(steps: 6, batch: 2, width: 5)
            RandomSource(seed: 41, stream: "noise").fillGaussian(&xi.data, sigma: 0.1)
            var clean = model.makeTrajectory(capacity: 6, batch: 2)
            var again = clean, pre = clean, post = clean
            model.forward(batch.inputs, into: &clean)
            model.forward(batch.inputs, into: &again)
            XCTAssertEqual(clean.states, again.states)
            XCTAssertEqual(clean.outputs, again.outputs)
            model.forward(batch.inputs, noise: ForwardNoise(preactivation: xi), into: &pre)
            model.forward(batch.inputs, noise: ForwardNoise(state: xi), into: &post)
            // Step 1: the candidate's pre-activation (a_n in column block 2 for the GRU, a_g in
            // block 2 for the LSTM) moves by exactly xi_1, the other gates not at all; the state
            // noise moves h_1 by exactly xi_1.
            for b in 0..<2 { for j in 0..<5 {
                XCTAssertEqual(pre.preactivations[0, b, 10 + j], clean.preactivations[0, b, 10 + j] + xi[0, b, j], accuracy: 1e-15)
                for block in [0, 1] { XCTAssertEqual(pre.preactivations[0, b, block * 5 + j], clean.preactivations[0, b, block * 5 + j]) }
                XCTAssertEqual(post.states[1, b, j], clean.states[1, b, j] + xi[0, b, j], accuracy: 1e-15)
            } }
            XCTAssertNotEqual(pre.outputs, clean.outputs)
            XCTAssertNotEqual(post.outputs, clean.outputs)
            // The readout reads h_t: y = V h + c.
            let l = model.layout
            for t in 0..<6 { for b in 0..<2 { for k in 0..<3 {
                var y = model.parameters[l["c"].offset + k]
                for j in 0..<5 { y += model.parameters[l["V"].offset + k * 5 + j] * clean.states[t + 1, b, j] }
                XCTAssertEqual(clean.outputs[t, b, k], y, accuracy: 1e-13)
            } } }
        }
    }

    func testLSTMCellStateIsStoredAndForgetBiasDefaultsToOne() {
        let model = LSTM(config: LSTMConfig(inputSize: 1, hiddenSize: 4, outputSize: 1), rng: RandomSource(seed: 1, stream: "init"))
        let k = 0.5  // 1/sqrt(4)
        for i in model.layout["bf"].range { XCTAssertTrue(model.parameters[i] >= 1 - k && model.parameters[i] <= 1 + k) }
        for i in model.layout["bi"].range { XCTAssertTrue(abs(model.parameters[i]) <= k) }
        var inputs = Tensor3(steps: 3, batch: 1, width: 1)
        inputs[0, 0, 0] = 1
        var tr = model.makeTrajectory(capacity: 3, batch: 1)
        model.forward(inputs, into: &tr)
        for t in 0..<3 { for j in 0..<4 {
            let c = tr.activations[t, 0, 16 + j], o = tr.activations[t, 0, 12 + j]
            XCTAssertEqual(tr.activations[t, 0, 20 + j], tanh(c), accuracy: 1e-15)
            XCTAssertEqual(tr.states[t + 1, 0, j], o * tanh(c), accuracy: 1e-15)
            let cPrev = t == 0 ? 0 : tr.activations[t - 1, 0, 16 + j]
            XCTAssertEqual(c, tr.activations[t, 0, 4 + j] * cPrev + tr.activations[t, 0, j] * tr.activations[t, 0, 8 + j], accuracy: 1e-15)
        } }
    }

    func testSilencedNeuronStaysAtRest() throws {
        let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 8, "p": 0.5])
        for kind in Self.kinds {
            var model = makeModel(kind, inputs: 3, outputs: 3, seed: 42)
            NeuronSilencing.silence([1, 3], in: &model)
            let touched = NeuronSilencing.touchedGroups(model.layout, hidden: 5)
            XCTAssertEqual(Set(touched), Self.groups[kind]!.subtracting(["c"]), "\(kind)")
            let batch = task.batch(size: 2, using: RandomSource(seed: 42, stream: "data"))
            var tr = model.makeTrajectory(capacity: 8, batch: 2)
            model.forward(batch.inputs, into: &tr)
            for t in 0...8 { for b in 0..<2 { for j in [1, 3] { XCTAssertEqual(tr.states[t, b, j], 0, "\(kind)") } } }
            XCTAssertTrue(tr.states.data.contains { $0 != 0 })
        }
    }
}
