import XCTest
@testable import Plasticity

/// The hand-written gradients of the rules: RTRL equals BPTT, truncated BPTT equals a brute-force
/// truncated reference, and e-prop's traces are exact where the theory says they are; on every model
/// each rule supports.
final class RuleGradientTests: XCTestCase {
    func direction(_ id: String, _ settings: [String: Double] = [:], model: any RecurrentModel, task: any Task, batch: Batch, seed: UInt64 = 1) throws -> [Double] {
        let rule = try RuleRegistry.standard.make(
            id, settings: settings, model: model, objective: Objective(lossKind: task.lossKind),
            batchSize: batch.size, maxSteps: batch.steps)
        var d = [Double]()
        _ = rule.direction(model: model, batch: batch, noise: RandomSource(seed: seed, stream: "noise"), into: &d)
        return d
    }

    /// Every task of the registry (tasks added later are covered too), default parameters, on every
    /// model the rule supports (the leaky RNN with tanh and leaky-ReLU, the PLRNN): RTRL == BPTT to 1e-8,
    /// and RTRL against central finite differences (< 1e-6) in every group.
    func testRTRLEqualsBPTTOnEveryTaskAndModel() throws {
        // The gated models: GatedRuleTests.testRTRLEqualsBPTTOnEveryTask.
        XCTAssertEqual(RTRL.supportedModels, ModelKind.localOrGated)
        for kind in ModelKind.local {
            for (k, id) in TaskRegistry.standard.ids.enumerated() {
                let task = try TaskRegistry.standard.make(id)
                let activations: [Activation] = kind == .leaky ? [.tanh, .leakyRelu] : [.tanh]
                for (s, f) in activations.enumerated() {
                    let seed = UInt64(20 + 2 * k + s)
                    let model = LocalModels.make(kind, task: task, activation: f, seed: seed)
                    let batch = task.batch(size: 3, using: RandomSource(seed: seed, stream: "data"))
                    let exact = try direction("bptt", model: model, task: task, batch: batch)
                    let online = try direction("rtrl", model: model, task: task, batch: batch)
                    XCTAssertGreaterThan(exact.map(abs).max()!, 1e-8, id)
                    for g in model.layout.groups {
                        XCTAssertLessThan(relativeError(exact, online, in: g.range), 1e-8, "\(kind) \(id) \(f) group \(g.name)")
                    }
                    if s == 0 && k < 2 {
                        let errors = GradientCheck.relativeErrors(
                            layout: model.layout, parameters: model.parameters, analytic: online, frozen: model.frozenIndices) {
                            GradientCheck.loss(model, $0, batch, task.lossKind)
                        }
                        GradientCheck.assertAgrees(errors, analytic: online)
                    }
                }
            }
        }
    }

    /// Brute force: the truncated gradient is the sum over windows [mk, (m+1)k) of the gradient of
    /// that window's loss, run from the window's entry state held constant (finite differences).
    func testTruncatedBPTTMatchesBruteForceWindows() throws {
        let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 11, "p": 0.3])
        let model = LocalModels.make(.leaky, task: task, seed: 3) as! LeakyRNN
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

    /// With W = 0 the Jacobian is diagonal (diag(leak): 1 - alpha for the leaky RNN, A for the PLRNN), so the
    /// traces are RTRL's sensitivities and symmetric e-prop is the exact gradient of every group (U/C,
    /// b/h0 and the diagonal group tau/A through their traces; W at W = 0; V, c by the delta rule).
    /// e-prop and RFLO on a local model sum L_t ⊙ e_t by the reverse accumulation (EligibilityTraces);
    /// the forward-in-time trace sweep gives the same direction up to rounding, with TCR too, on every
    /// local model and both activations.
    func testTraceRulesReverseAccumulationEqualsForwardSweep() throws {
        let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 13, "p": 0.3])
        for kind in ModelKind.local {
            for (s, f) in [Activation.tanh, .leakyRelu].enumerated() where kind == .leaky || s == 0 {
                for tcr in [nil, TCRStrength(lambda: 0.3)] as [TCRStrength?] {
                    let model = LocalModels.make(kind, task: task, hidden: 6, activation: f, seed: UInt64(40 + s))
                    let batch = task.batch(size: 3, using: RandomSource(seed: 9, stream: "data"))
                    let objective = Objective(lossKind: task.lossKind, tcr: tcr)
                    for trainsDiagonal in [true, false] {
                        func direction(forward: Bool) -> [Double] {
                            let traces = EligibilityTraces(model: model, objective: objective, batchSize: 3, maxSteps: batch.steps, trainsDiagonal: trainsDiagonal)
                            if forward { traces.prepareForwardSweep(model: model, batchSize: 3) }
                            var d = [Double]()
                            _ = traces.direction(model: model, batch: batch, feedback: nil, into: &d)
                            return d
                        }
                        let reverse = direction(forward: false), sweep = direction(forward: true)
                        XCTAssertGreaterThan(sweep.map(abs).max()!, 1e-6)
                        for g in model.layout.groups {
                            XCTAssertLessThan(relativeError(sweep, reverse, in: g.range), 1e-12, "\(kind) \(f) tcr \(tcr != nil) diagonal \(trainsDiagonal) group \(g.name)")
                        }
                    }
                }
            }
        }
    }

    func testSymmetricEPropIsExactWithRecurrentWeightsAtZero() throws {
        for kind in ModelKind.local {
            for id in TaskRegistry.standard.ids {
                let task = try TaskRegistry.standard.make(id)
                let model = LocalModels.withoutRecurrence(LocalModels.make(kind, task: task, hidden: 6, activation: .leakyRelu, seed: 9))
                let batch = task.batch(size: 3, using: RandomSource(seed: 9, stream: "data"))
                let eprop = try direction("eprop", ["feedback": 0], model: model, task: task, batch: batch)
                let exact = try direction("bptt", model: model, task: task, batch: batch)
                for g in model.layout.groups {
                    XCTAssertLessThan(relativeError(exact, eprop, in: g.range), 1e-10, "\(kind) \(id) group \(g.name)")
                }
                let errors = GradientCheck.relativeErrors(
                    layout: model.layout, parameters: model.parameters, analytic: eprop, frozen: model.frozenIndices) {
                    GradientCheck.loss(model, $0, batch, task.lossKind)
                }
                GradientCheck.assertAgrees(errors, analytic: eprop)
            }
        }
    }

    /// With W ≠ 0 e-prop is an approximation: it differs from the gradient in W but keeps the
    /// exact readout; random feedback changes the recurrent update; RFLO does not train the diagonal
    /// groups (tau, A). On every model e-prop and RFLO support.
    func testEPropApproximatesAndVariantsDiffer() throws {
        // E-prop on the gated models: GatedRuleTests.testEPropIsExactWithRecurrentWeightsAtZero.
        XCTAssertEqual(EProp.supportedModels, ModelKind.localOrGated)
        XCTAssertEqual(RFLO.supportedModels, ModelKind.local)
        let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 20, "p": 0.2])
        for kind in ModelKind.local {
            let model = LocalModels.make(kind, task: task, hidden: 6, seed: 4)
            let batch = task.batch(size: 3, using: RandomSource(seed: 4, stream: "data"))
            let exact = try direction("bptt", model: model, task: task, batch: batch)
            let symmetric = try direction("eprop", model: model, task: task, batch: batch)
            let random = try direction("eprop", ["feedback": 1], model: model, task: task, batch: batch)
            let rflo = try direction("rflo", model: model, task: task, batch: batch)
            let d = model.drive
            for g in [d.readout, d.readoutBias] { XCTAssertLessThan(relativeError(exact, symmetric, in: g.range), 1e-12, "\(kind) \(g.name)") }
            XCTAssertGreaterThan(relativeError(exact, symmetric, in: d.recurrent.range), 1e-4, "\(kind)")
            XCTAssertGreaterThan(relativeError(symmetric, random, in: d.input.range), 1e-2, "\(kind)")
            XCTAssertEqual(relativeError(random, rflo, in: d.input.range), 0, "\(kind): RFLO and random e-prop share the traces and the feedback")
            for g in d.diagonal {
                XCTAssertTrue(rflo[g.range].allSatisfy { $0 == 0 }, "\(kind) \(g.name)")
                XCTAssertFalse(random[g.range].allSatisfy { $0 == 0 }, "\(kind) \(g.name)")
            }
            XCTAssertEqual(try direction("eprop", ["feedback": 1], model: model, task: task, batch: batch), random, "same seed, same feedback")
        }
    }
}
