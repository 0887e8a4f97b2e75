import XCTest
@testable import Plasticity

/// The hand-written gradients of the rules: RTRL equals BPTT, truncated BPTT equals a brute-force
/// truncated reference, and e-prop's traces are exact where the theory says they are.
final class RuleGradientTests: XCTestCase {
    func makeModel(task: any Task, hidden: Int = 5, activation: Activation = .tanh, seed: UInt64) -> LeakyRNN {
        var c = LeakyRNNConfig(inputSize: task.inputSize, hiddenSize: hidden, outputSize: task.outputSize)
        c.activation = activation
        c.gain = 1.3
        c.tauRange = 1.5...3
        var m = LeakyRNN(config: c, rng: RandomSource(seed: seed, stream: "init"))
        let rng = RandomSource(seed: seed, stream: "bias")
        for name in ["b", "c"] { for i in m.layout[name].range { m.parameters[i] = rng.gaussian(sigma: 0.3) } }
        return m
    }

    func direction(_ id: String, _ settings: [String: Double] = [:], model: any RecurrentModel, task: any Task, batch: Batch, seed: UInt64 = 1) throws -> [Double] {
        let rule = try RuleRegistry.standard.make(
            id, settings: settings, model: model, objective: Objective(lossKind: task.lossKind),
            batchSize: batch.size, maxSteps: batch.steps)
        var d = [Double]()
        _ = rule.direction(model: model, batch: batch, noise: RandomSource(seed: seed, stream: "noise"), into: &d)
        return d
    }

    func relativeError(_ a: [Double], _ b: [Double], in range: Range<Int>) -> Double {
        var diff = 0.0, na = 0.0, nb = 0.0
        for i in range {
            diff += (a[i] - b[i]) * (a[i] - b[i])
            na += a[i] * a[i]
            nb += b[i] * b[i]
        }
        return diff.squareRoot() / max(na.squareRoot(), nb.squareRoot(), 1e-300)
    }

    /// Every task of the registry (tasks added later are covered too), default parameters.
    func testRTRLEqualsBPTTOnEveryTask() throws {
        for (k, id) in TaskRegistry.standard.ids.enumerated() {
            let task = try TaskRegistry.standard.make(id)
            for (s, f) in [Activation.tanh, .leakyRelu].enumerated() {
                let seed = UInt64(20 + 2 * k + s)
                let model = makeModel(task: task, activation: f, seed: seed)
                let batch = task.batch(size: 3, using: RandomSource(seed: seed, stream: "data"))
                let exact = try direction("bptt", model: model, task: task, batch: batch)
                let online = try direction("rtrl", model: model, task: task, batch: batch)
                XCTAssertGreaterThan(exact.map(abs).max()!, 1e-8, id)
                for g in model.layout.groups {
                    XCTAssertLessThan(relativeError(exact, online, in: g.range), 1e-8, "\(id) \(f) group \(g.name)")
                }
            }
        }
    }

    /// Brute force: the truncated gradient is the sum over windows [mk, (m+1)k) of the gradient of
    /// that window's loss, run from the window's entry state held constant (finite differences).
    func testTruncatedBPTTMatchesBruteForceWindows() throws {
        let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 11, "p": 0.3])
        let model = makeModel(task: task, seed: 3)
        let batch = task.batch(size: 2, using: RandomSource(seed: 3, stream: "data"))
        let k = 4
        let analytic = try direction("tbptt", ["truncation": Double(k)], model: model, task: task, batch: batch)
        var tr = model.makeTrajectory(capacity: batch.steps, batch: batch.size)
        model.forward(batch.inputs, into: &tr)
        let entryStates = tr.states
        let pairs = batch.maskedCount, n = model.hiddenSize, nOut = task.outputSize
        func truncatedLoss(_ p: [Double]) -> Double {
            var m = model
            m.parameters = p
            let l = m.layout
            var total = 0.0
            for b in 0..<batch.size {
                var h = [Double](repeating: 0, count: n)
                for t in 0..<batch.steps {
                    if t % k == 0 { for j in 0..<n { h[j] = entryStates[t, b, j] } }  // detached entry state
                    var next = h
                    for j in 0..<n {
                        var a = p[l["b"].offset + j]
                        for i in 0..<n { a += p[l["W"].offset + j * n + i] * h[i] }
                        for i in 0..<task.inputSize { a += p[l["U"].offset + j * task.inputSize + i] * batch.inputs[t, b, i] }
                        let alpha = 1 / max(p[l["tau"].offset + j], 1)
                        next[j] = h[j] + alpha * (tanh(a) - h[j])
                    }
                    h = next
                    for o in 0..<nOut {
                        var y = p[l["c"].offset + o]
                        for j in 0..<n { y += p[l["V"].offset + o * n + j] * h[j] }
                        total += batch.mask[t, b] * (y - batch.targets[t, b, o]) * (y - batch.targets[t, b, o]) / (pairs * Double(nOut))
                    }
                }
            }
            return total
        }
        XCTAssertEqual(truncatedLoss(model.parameters), GradientCheck.loss(model, model.parameters, batch, .mse), accuracy: 1e-12)
        let errors = GradientCheck.relativeErrors(
            layout: model.layout, parameters: model.parameters, analytic: analytic, frozen: model.frozenIndices, loss: truncatedLoss)
        GradientCheck.assertAgrees(errors, analytic: analytic)
        let full = try direction("bptt", model: model, task: task, batch: batch)
        XCTAssertGreaterThan(relativeError(full, analytic, in: model.layout["W"].range), 1e-3, "truncation must change the gradient")
    }

    /// With W = 0 the traces are RTRL's sensitivities, so symmetric e-prop is the exact gradient
    /// of every group (U, b, tau through their traces; W at W = 0; V, c by the delta rule).
    func testSymmetricEPropIsExactWithRecurrentWeightsAtZero() throws {
        for id in TaskRegistry.standard.ids {
            let task = try TaskRegistry.standard.make(id)
            var model = makeModel(task: task, hidden: 6, activation: .leakyRelu, seed: 9)
            for i in model.layout["W"].range { model.parameters[i] = 0 }
            let batch = task.batch(size: 3, using: RandomSource(seed: 9, stream: "data"))
            let eprop = try direction("eprop", ["feedback": 0], model: model, task: task, batch: batch)
            let exact = try direction("bptt", model: model, task: task, batch: batch)
            for g in model.layout.groups {
                XCTAssertLessThan(relativeError(exact, eprop, in: g.range), 1e-10, "\(id) group \(g.name)")
            }
            let errors = GradientCheck.relativeErrors(
                layout: model.layout, parameters: model.parameters, analytic: eprop, frozen: model.frozenIndices) {
                GradientCheck.loss(model, $0, batch, task.lossKind)
            }
            GradientCheck.assertAgrees(errors, analytic: eprop)
        }
    }

    /// With W ≠ 0 e-prop is an approximation: it differs from the gradient in W but keeps the
    /// exact readout; random feedback changes the recurrent update; RFLO does not train tau.
    func testEPropApproximatesAndVariantsDiffer() throws {
        let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 20, "p": 0.2])
        let model = makeModel(task: task, hidden: 6, seed: 4)
        let batch = task.batch(size: 3, using: RandomSource(seed: 4, stream: "data"))
        let exact = try direction("bptt", model: model, task: task, batch: batch)
        let symmetric = try direction("eprop", model: model, task: task, batch: batch)
        let random = try direction("eprop", ["feedback": 1], model: model, task: task, batch: batch)
        let rflo = try direction("rflo", model: model, task: task, batch: batch)
        let l = model.layout
        for name in ["V", "c"] { XCTAssertLessThan(relativeError(exact, symmetric, in: l[name].range), 1e-12, name) }
        XCTAssertGreaterThan(relativeError(exact, symmetric, in: l["W"].range), 1e-4)
        XCTAssertGreaterThan(relativeError(symmetric, random, in: l["U"].range), 1e-2)
        XCTAssertEqual(relativeError(random, rflo, in: l["U"].range), 0, "RFLO and random e-prop share the traces and the feedback")
        XCTAssertTrue(rflo[l["tau"].range].allSatisfy { $0 == 0 })
        XCTAssertFalse(random[l["tau"].range].allSatisfy { $0 == 0 })
        XCTAssertEqual(try direction("eprop", ["feedback": 1], model: model, task: task, batch: batch), random, "same seed, same feedback")
    }
}
