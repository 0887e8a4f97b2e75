import XCTest
@testable import Plasticity

/// TCR in every rule: exact where the rule is exact (tbptt within its windows, RTRL, e-prop at
/// W = 0), an unbiased estimate for the perturbation rules, and loss = task + R everywhere.
final class TCRRuleTests: XCTestCase {
    /// A small leaky RNN with non-zero biases (as RuleGradientTests builds it).
    func makeModel(task: any Task, hidden: Int = 5, activation: Activation = .tanh, seed: UInt64) -> LeakyRNN {
        LocalModels.make(.leaky, task: task, hidden: hidden, activation: activation, seed: seed) as! LeakyRNN
    }

    func cosine(_ a: [Double], _ b: [Double], _ indices: [Int]) -> Double {
        var ab = 0.0, aa = 0.0, bb = 0.0
        for i in indices { ab += a[i] * b[i]; aa += a[i] * a[i]; bb += b[i] * b[i] }
        return ab / (aa * bb).squareRoot()
    }

    func objective(_ task: any Task, lambda: Double) -> Objective {
        Objective(lossKind: task.lossKind, tcr: TCRStrength(lambda: lambda))
    }

    func direction(
        _ id: String, _ settings: [String: Double] = [:], model: any RecurrentModel, batch: Batch, objective: Objective,
        seed: UInt64 = 1
    ) throws -> ([Double], StepStats) {
        let rule = try RuleRegistry.standard.make(
            id, settings: settings, model: model, objective: objective, batchSize: batch.size, maxSteps: batch.steps)
        var d = [Double]()
        let stats = rule.direction(model: model, batch: batch, noise: RandomSource(seed: seed, stream: "noise"), into: &d)
        return (d, stats)
    }

    /// R of `model` with parameters `p` on `batch`, recomputed from scratch.
    func penalty(_ model: any RecurrentModel, _ p: [Double], _ batch: Batch, lambda: Double) -> Double {
        var m = model
        m.parameters = p
        var tr = m.makeTrajectory(capacity: batch.steps, batch: batch.size)
        m.forward(batch.inputs, into: &tr)
        var r = 0.0
        for t in 1...batch.steps { for b in 0..<batch.size { for j in 0..<m.hiddenSize {
            let d = tr.states[t, b, j] - tr.states[t - 1, b, j]
            r += d * d
        } } }
        return lambda * r / Double(batch.steps * batch.size * m.hiddenSize)
    }

    /// Brute force: each window [mk, (m+1)k) runs from its entry state held constant; its objective is
    /// its steps' task loss plus the TCR terms of the states it produces (the entry state is a constant
    /// there too). The truncated gradient is the sum of the windows' gradients (finite differences).
    func testTruncatedBPTTWithTCRMatchesBruteForceWindows() throws {
        let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 11, "p": 0.3])
        let model = makeModel(task: task, seed: 3)
        let batch = task.batch(size: 2, using: RandomSource(seed: 3, stream: "data"))
        let k = 4, lambda = 0.8
        let (analytic, stats) = try direction("tbptt", ["truncation": Double(k)], model: model, batch: batch, objective: objective(task, lambda: lambda))
        var tr = model.makeTrajectory(capacity: batch.steps, batch: batch.size)
        model.forward(batch.inputs, into: &tr)
        let entryStates = tr.states
        let pairs = batch.maskedCount, n = model.hiddenSize, nOut = task.outputSize
        let scale = lambda / Double(batch.steps * batch.size * n)
        func truncatedObjective(_ p: [Double]) -> Double {
            let l = model.layout
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
                        total += scale * (next[j] - h[j]) * (next[j] - h[j])
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
        XCTAssertEqual(truncatedObjective(model.parameters), stats.loss, accuracy: 1e-12)
        XCTAssertEqual(stats.loss - stats.taskLoss, penalty(model, model.parameters, batch, lambda: lambda), accuracy: 1e-14)
        let errors = GradientCheck.relativeErrors(
            layout: model.layout, parameters: model.parameters, analytic: analytic, frozen: model.frozenIndices, loss: truncatedObjective)
        GradientCheck.assertAgrees(errors, analytic: analytic)
        // A window covering the trial is BPTT with TCR.
        let (whole, _) = try direction("tbptt", ["truncation": Double(batch.steps)], model: model, batch: batch, objective: objective(task, lambda: lambda))
        let (exact, _) = try direction("bptt", model: model, batch: batch, objective: objective(task, lambda: lambda))
        XCTAssertEqual(whole, exact)
    }

    /// On the local models; the gated ones in GatedRuleTests.testRTRLEqualsBPTTOnEveryTask.
    func testRTRLWithTCREqualsBPTTWithTCROnEveryTaskAndModel() throws {
        for kind in ModelKind.local {
            for (k, id) in TaskRegistry.standard.ids.enumerated() {
                let task = try TaskRegistry.standard.make(id)
                let seed = UInt64(40 + k)
                let model = LocalModels.make(kind, task: task, activation: k % 2 == 0 ? .tanh : .leakyRelu, seed: seed)
                let batch = task.batch(size: 3, using: RandomSource(seed: seed, stream: "data"))
                let (exact, exactStats) = try direction("bptt", model: model, batch: batch, objective: objective(task, lambda: 0.9))
                let (online, onlineStats) = try direction("rtrl", model: model, batch: batch, objective: objective(task, lambda: 0.9))
                let (plain, _) = try direction("rtrl", model: model, batch: batch, objective: objective(task, lambda: 0))
                XCTAssertGreaterThan(relativeError(exact, plain, in: model.drive.recurrent.range), 1e-4, "\(kind) \(id): TCR must change the gradient")
                for g in model.layout.groups {
                    XCTAssertLessThan(relativeError(exact, online, in: g.range), 1e-8, "\(kind) \(id) group \(g.name)")
                }
                XCTAssertEqual(onlineStats.loss, exactStats.loss, accuracy: 1e-12, id)
                XCTAssertEqual(onlineStats.taskLoss, exactStats.taskLoss, accuracy: 1e-12, id)
            }
        }
    }

    /// With W = 0 the traces are RTRL's sensitivities and TCR's learning-signal term is dR/dh_t, so
    /// symmetric e-prop with TCR is the exact gradient of task + R in every group, on every model.
    func testSymmetricEPropWithTCRIsExactWithRecurrentWeightsAtZero() throws {
        for kind in ModelKind.local {
            for id in TaskRegistry.standard.ids {
                let task = try TaskRegistry.standard.make(id)
                let model = LocalModels.withoutRecurrence(LocalModels.make(kind, task: task, hidden: 6, activation: .leakyRelu, seed: 9))
                let batch = task.batch(size: 3, using: RandomSource(seed: 9, stream: "data"))
                let (eprop, stats) = try direction("eprop", ["feedback": 0], model: model, batch: batch, objective: objective(task, lambda: 1.5))
                let (exact, _) = try direction("bptt", model: model, batch: batch, objective: objective(task, lambda: 1.5))
                let (plain, _) = try direction("eprop", ["feedback": 0], model: model, batch: batch, objective: objective(task, lambda: 0))
                XCTAssertGreaterThan(relativeError(eprop, plain, in: model.drive.input.range), 1e-4, "\(kind) \(id): TCR must change the update")
                for g in model.layout.groups {
                    XCTAssertLessThan(relativeError(exact, eprop, in: g.range), 1e-10, "\(kind) \(id) group \(g.name)")
                }
                XCTAssertEqual(stats.loss - stats.taskLoss, penalty(model, model.parameters, batch, lambda: 1.5), accuracy: 1e-13, id)
            }
        }
    }

    /// Many draws on a fixed batch align with the exact gradient of task + R; the TCR part is large
    /// enough that the task gradient alone would not pass.
    func testPerturbationRulesAlignWithTheGradientOfTaskPlusTCR() throws {
        // PerturbationRuleTests' setup: flip-flop T = 10, N = 5, tanh, batch 4.
        let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 10, "p": 0.3])
        var c = LeakyRNNConfig(inputSize: 3, hiddenSize: 5, outputSize: 3)
        c.activation = .tanh
        c.tauRange = 1.5...3
        let model = LeakyRNN(config: c, rng: RandomSource(seed: 2, stream: "init"))
        let batch = task.batch(size: 4, using: RandomSource(seed: 2, stream: "data"))
        let lambda = 30.0
        let (taskOnly, _) = try direction("bptt", model: model, batch: batch, objective: objective(task, lambda: 0))
        let (total, _) = try direction("bptt", model: model, batch: batch, objective: objective(task, lambda: lambda))
        for (id, sigma, groups) in [(NodePerturbation.id, 1e-3, ["W", "U", "b", "V", "c"]), (WeightPerturbation.id, 1e-4, model.layout.names)] {
            let indices = groups.flatMap { Array(model.layout[$0].range) }
            XCTAssertLessThan(cosine(taskOnly, total, indices), 0.8, "\(id): TCR must matter for this check")
            let (estimate, stats) = try direction(
                id, ["draws": 4000, "sigma": sigma], model: model, batch: batch, objective: objective(task, lambda: lambda), seed: 11)
            XCTAssertGreaterThan(cosine(estimate, total, indices), 0.9, id)
            XCTAssertEqual(stats.taskLoss, GradientCheck.loss(model, model.parameters, batch, .mse), accuracy: 1e-15, id)
            XCTAssertEqual(stats.loss - stats.taskLoss, penalty(model, model.parameters, batch, lambda: lambda), accuracy: 1e-14, id)
        }
    }

    /// loss = task + R and taskLoss = task for every registered rule on every model it supports; with
    /// lambda = 0 they are equal. Rules refuse the models they do not support.
    func testEveryRuleReportsTaskPlusTCROnEveryModel() throws {
        let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 9, "p": 0.3])
        for kind in ModelKind.allCases {
            var spec = ModelSpec()
            spec.kind = kind
            spec.hidden = 5
            let model: any RecurrentModel = ModelKind.local.contains(kind)
                ? LocalModels.make(kind, task: task, seed: 5)
                : spec.makeModel(inputSize: task.inputSize, outputSize: task.outputSize, rng: RandomSource(seed: 5, stream: "init"))
            let batch = task.batch(size: 3, using: RandomSource(seed: 5, stream: "data"))
            let task0 = GradientCheck.loss(model, model.parameters, batch, .mse)
            let r = penalty(model, model.parameters, batch, lambda: 0.6)
            XCTAssertGreaterThan(r, 1e-4)
            for type in RuleRegistry.standard.types {
                guard type.supportedModels.contains(kind) else {
                    XCTAssertThrowsError(try direction(type.id, model: model, batch: batch, objective: objective(task, lambda: 0.6)), "\(type.id) \(kind)")
                    continue
                }
                let (d, stats) = try direction(type.id, model: model, batch: batch, objective: objective(task, lambda: 0.6))
                XCTAssertTrue(d.allSatisfy(\.isFinite), "\(type.id) \(kind)")
                XCTAssertEqual(stats.taskLoss, task0, accuracy: 1e-14, "\(type.id) \(kind)")
                XCTAssertEqual(stats.loss, task0 + r, accuracy: 1e-14, "\(type.id) \(kind)")
                let (_, off) = try direction(type.id, model: model, batch: batch, objective: objective(task, lambda: 0))
                XCTAssertTrue(off.loss == off.taskLoss, "\(type.id) \(kind)")
            }
        }
    }
}
