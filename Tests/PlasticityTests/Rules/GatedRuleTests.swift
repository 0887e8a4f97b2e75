import XCTest
@testable import Plasticity

/// RTRL, node perturbation and e-prop on the gated models (GRU, LSTM) through their per-gate
/// sensitivities (`GatedSensitivityModel`): RTRL equals BPTT, node perturbation aligns with the exact
/// gradient, e-prop is exact where its traces are (W = 0).
final class GatedRuleTests: XCTestCase {
    /// A small gated model with its initial parameters scaled ×2.5, so the gates leave their linear range.
    func makeModel(_ kind: ModelKind, task: any Task, hidden: Int = 4, seed: UInt64) -> any GatedSensitivityModel {
        var spec = ModelSpec()
        spec.kind = kind
        spec.hidden = hidden
        var model = spec.makeModel(inputSize: task.inputSize, outputSize: task.outputSize, rng: RandomSource(seed: seed, stream: "init"))
        model.parameters = model.parameters.map { 2.5 * $0 }
        return model as! any GatedSensitivityModel
    }

    func direction(
        _ id: String, _ settings: [String: Double] = [:], model: any RecurrentModel, batch: Batch, objective: Objective, seed: UInt64 = 1
    ) throws -> ([Double], StepStats) {
        let rule = try RuleRegistry.standard.make(
            id, settings: settings, model: model, objective: objective, batchSize: batch.size, maxSteps: batch.steps)
        var d = [Double]()
        let stats = rule.direction(model: model, batch: batch, noise: RandomSource(seed: seed, stream: "noise"), into: &d)
        return (d, stats)
    }

    func testGatedKindsAreTheGRUAndLSTM() {
        XCTAssertEqual(ModelKind.gated, [.gru, .lstm])
        XCTAssertEqual(RTRL.supportedModels, ModelKind.allCases)
    }

    /// Every registered task (default parameters), with and without TCR: RTRL == BPTT to 1e-8 in every
    /// group; on the first two tasks also against central finite differences.
    func testRTRLEqualsBPTTOnEveryTask() throws {
        for kind in ModelKind.gated {
            for (k, id) in TaskRegistry.standard.ids.enumerated() {
                let task = try TaskRegistry.standard.make(id)
                let seed = UInt64(60 + k)
                let model = makeModel(kind, task: task, seed: seed)
                let batch = task.batch(size: 2, using: RandomSource(seed: seed, stream: "data"))
                for lambda in [0, 0.9] {
                    let objective = Objective(lossKind: task.lossKind, tcr: lambda > 0 ? TCRStrength(lambda: lambda) : nil)
                    let (exact, exactStats) = try direction("bptt", model: model, batch: batch, objective: objective)
                    let (online, onlineStats) = try direction("rtrl", model: model, batch: batch, objective: objective)
                    XCTAssertGreaterThan(exact.map(abs).max()!, 1e-8, id)
                    for g in model.layout.groups {
                        XCTAssertLessThan(relativeError(exact, online, in: g.range), 1e-8, "\(kind) \(id) λ=\(lambda) group \(g.name)")
                    }
                    XCTAssertEqual(onlineStats.loss, exactStats.loss, accuracy: 1e-12)
                    XCTAssertEqual(onlineStats.taskLoss, exactStats.taskLoss, accuracy: 1e-12)
                    if k < 2 && lambda == 0 {
                        let errors = GradientCheck.relativeErrors(layout: model.layout, parameters: model.parameters, analytic: online) {
                            GradientCheck.loss(model, $0, batch, task.lossKind)
                        }
                        GradientCheck.assertAgrees(errors, analytic: online)
                    }
                }
            }
        }
    }

    func cosine(_ a: [Double], _ b: [Double], _ range: Range<Int>) -> Double {
        var ab = 0.0, aa = 0.0, bb = 0.0
        for i in range { ab += a[i] * b[i]; aa += a[i] * a[i]; bb += b[i] * b[i] }
        return ab / (aa * bb).squareRoot()
    }

    /// Noise on every gate (and the outputs), many draws on a fixed batch: the estimate aligns with the
    /// exact gradient (cosine > 0.9 over all groups, > 0.8 in each group with ≥ 5% of its norm), every
    /// group is trained, a single draw does not align; also with TCR.
    func testNodePerturbationAlignsWithTheGradient() throws {
        XCTAssertEqual(NodePerturbation.supportedModels, ModelKind.allCases)
        let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 10, "p": 0.3])
        for kind in ModelKind.gated {
            let model = makeModel(kind, task: task, seed: 2)
            let batch = task.batch(size: 4, using: RandomSource(seed: 2, stream: "data"))
            for lambda in [0, 3.0] {
                let objective = Objective(lossKind: .mse, tcr: lambda > 0 ? TCRStrength(lambda: lambda) : nil)
                let (exact, exactStats) = try direction("bptt", model: model, batch: batch, objective: objective)
                let (averaged, stats) = try direction("node-perturbation", ["draws": 4000, "sigma": 1e-3], model: model, batch: batch,
                                                      objective: objective, seed: 11)
                let all = 0..<model.layout.count
                XCTAssertGreaterThan(cosine(averaged, exact, all), 0.9, "\(kind) λ=\(lambda)")
                // Per group where the group carries a visible share of the gradient (the GRU's r gate and the
                // LSTM's forget gate carry ~1% here: their cosines reach 0.97 and 0.6–0.9 only with 40,000 draws,
                // their per-entry error then no larger than the other groups'); every group is trained.
                let total = exact.reduce(0) { $0 + $1 * $1 }.squareRoot()
                for g in model.layout.groups {
                    XCTAssertFalse(averaged[g.range].allSatisfy { $0 == 0 }, "\(kind) \(g.name)")
                    let norm = exact[g.range].reduce(0) { $0 + $1 * $1 }.squareRoot()
                    if norm > 0.05 * total {
                        XCTAssertGreaterThan(cosine(averaged, exact, g.range), 0.8, "\(kind) λ=\(lambda) group \(g.name)")
                    }
                }
                XCTAssertEqual(stats.loss, exactStats.loss, accuracy: 1e-14, "reports the clean loss")
                let (single, _) = try direction("node-perturbation", ["draws": 1, "sigma": 1e-3], model: model, batch: batch,
                                                objective: objective, seed: 11)
                XCTAssertLessThan(cosine(single, exact, all), 0.6, "\(kind) λ=\(lambda)")
            }
        }
    }

    /// The same model with every W_k = 0: the Jacobian is then the per-neuron coupling, so the traces are
    /// RTRL's sensitivities.
    func withoutRecurrence(_ model: any GatedSensitivityModel) -> any GatedSensitivityModel {
        var m = model
        for drive in m.drives { if let w = drive.recurrent { for i in w.range { m.parameters[i] = 0 } } }
        return m
    }

    /// With every W_k = 0, symmetric e-prop is the exact gradient of every group (with and without TCR)
    /// on every task; against finite differences on the first task. With W ≠ 0 it is an approximation.
    func testEPropIsExactWithRecurrentWeightsAtZero() throws {
        XCTAssertEqual(EProp.supportedModels, ModelKind.allCases)
        for kind in ModelKind.gated {
            for (k, id) in TaskRegistry.standard.ids.enumerated() {
                let task = try TaskRegistry.standard.make(id)
                let seed = UInt64(70 + k)
                let full = makeModel(kind, task: task, seed: seed)
                let model = withoutRecurrence(full)
                let batch = task.batch(size: 2, using: RandomSource(seed: seed, stream: "data"))
                for lambda in [0, 1.5] {
                    let objective = Objective(lossKind: task.lossKind, tcr: lambda > 0 ? TCRStrength(lambda: lambda) : nil)
                    let (exact, exactStats) = try direction("bptt", model: model, batch: batch, objective: objective)
                    let (eprop, stats) = try direction("eprop", ["feedback": 0], model: model, batch: batch, objective: objective)
                    for g in model.layout.groups {
                        XCTAssertLessThan(relativeError(exact, eprop, in: g.range), 1e-10, "\(kind) \(id) λ=\(lambda) group \(g.name)")
                    }
                    XCTAssertEqual(stats.loss, exactStats.loss, accuracy: 1e-12)
                    if k == 0 && lambda == 0 {
                        let errors = GradientCheck.relativeErrors(layout: model.layout, parameters: model.parameters, analytic: eprop) {
                            GradientCheck.loss(model, $0, batch, task.lossKind)
                        }
                        GradientCheck.assertAgrees(errors, analytic: eprop)
                        // Not vacuous: with the recurrent weights e-prop drops the W_k terms (the readout stays exact),
                        // and random feedback changes the update (the same on a second call: drawn once per run).
                        let objective = Objective(lossKind: task.lossKind)
                        let (fullExact, _) = try direction("bptt", model: full, batch: batch, objective: objective)
                        let (fullEProp, _) = try direction("eprop", ["feedback": 0], model: full, batch: batch, objective: objective)
                        let (random, _) = try direction("eprop", ["feedback": 1], model: full, batch: batch, objective: objective)
                        let (again, _) = try direction("eprop", ["feedback": 1], model: full, batch: batch, objective: objective)
                        for drive in full.drives { if let w = drive.recurrent {
                            XCTAssertGreaterThan(relativeError(fullExact, fullEProp, in: w.range), 1e-4, "\(kind) \(w.name)")
                        } }
                        for g in [full.readout, full.readoutBias] {
                            XCTAssertLessThan(relativeError(fullExact, fullEProp, in: g.range), 1e-12, "\(kind) \(g.name)")
                        }
                        XCTAssertGreaterThan(relativeError(fullEProp, random, in: 0..<full.driveParameterCount), 1e-2, "\(kind)")
                        XCTAssertEqual(random, again)
                    }
                }
            }
        }
    }

    /// Preactivation noise of width G·N: noise in gate g's block moves that gate's step-1 preactivation by
    /// exactly ξ (the GRU's a_n also through r when g = r; every other gate not at all); width N stays the
    /// candidate's (GatedModelGradientTests).
    func testNoiseOfWidthGNEntersEveryGate() throws {
        let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 4, "p": 0.3])
        for kind in ModelKind.gated {
            let model = makeModel(kind, task: task, seed: 3)
            let n = model.hiddenSize, gates = model.gateCount
            let batch = task.batch(size: 2, using: RandomSource(seed: 3, stream: "data"))
            var clean = model.makeTrajectory(capacity: 4, batch: 2)
            model.forward(batch.inputs, into: &clean)
            for g in 0..<gates {
                var xi = Tensor3(steps: 4, batch: 2, width: gates * n)
                // Step 1 too: the LSTM's forget gate has nothing to forget at step 0 (c_0 = 0).
                for b in 0..<2 { for j in 0..<n { for t in 0..<2 { xi[t, b, g * n + j] = 0.1 * Double(j + 1) } } }
                var noisy = clean
                model.forward(batch.inputs, noise: ForwardNoise(preactivation: xi), into: &noisy)
                for b in 0..<2 { for j in 0..<n {
                    XCTAssertEqual(noisy.preactivations[0, b, g * n + j], clean.preactivations[0, b, g * n + j] + xi[0, b, g * n + j],
                                   accuracy: 1e-14, "\(kind) gate \(g)")
                    for other in 0..<gates where other != g && !(kind == .gru && g == 0 && other == 2) {
                        XCTAssertEqual(noisy.preactivations[0, b, other * n + j], clean.preactivations[0, b, other * n + j], "\(kind) gate \(g)")
                    }
                } }
                XCTAssertNotEqual(noisy.outputs, clean.outputs)
            }
        }
    }
}
