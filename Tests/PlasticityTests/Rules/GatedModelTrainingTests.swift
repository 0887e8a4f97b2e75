import XCTest
@testable import Plasticity
@testable import PlasticityAnalysis

/// GRU and LSTM inside the rest of the package: which rules take them, saving and loading, the
/// robustness analyses, and learning with BPTT.
final class GatedModelTrainingTests: XCTestCase {
    func model(_ kind: ModelKind, hidden: Int = 6) -> any RecurrentModel {
        var spec = ModelSpec()
        spec.kind = kind
        spec.hidden = hidden
        return spec.makeModel(inputSize: 3, outputSize: 3, rng: RandomSource(seed: 1, stream: "init"))
    }

    func testRulesThatUseOnlyForwardAndBackwardAcceptThemOthersNameTheSupportedModels() throws {
        let objective = Objective(lossKind: .mse)
        for kind in [ModelKind.gru, .lstm] {
            let m = model(kind)
            // Also rtrl, eprop and node perturbation, through the per-gate sensitivities (GatedRuleTests).
            for id in ["bptt", "tbptt", "weight-perturbation", "rtrl", "eprop", "node-perturbation"] {
                XCTAssertNoThrow(try RuleRegistry.standard.make(id, model: m, objective: objective, batchSize: 2, maxSteps: 5), "\(id) \(kind)")
            }
            for id in ["rflo"] {
                XCTAssertThrowsError(try RuleRegistry.standard.make(id, model: m, objective: objective, batchSize: 2, maxSteps: 5)) {
                    XCTAssertTrue("\($0)".contains("rule '\(id)' does not support model '\(kind.rawValue)'; valid: leaky"), "\($0)")
                }
            }
        }
    }

    func testProtocolsNameThemAndCheckTheRules() throws {
        let text = "name = \"t\"\nrules = [\"bptt\", \"tbptt\"]\ntasks = [\"flipflop3\"]\n[model]\nkind = \"lstm\"\n[[conditions]]\nlabel = \"g\"\nmodel = { kind = \"gru\" }\n"
        let p = try ProtocolParser.parse(text, file: "p.toml", defaultName: "p")
        XCTAssertEqual(Set(p.cells.map(\.spec.model.kind)), [.gru])
        let rflo = text.replacingOccurrences(of: "\"tbptt\"", with: "\"rflo\"")
        XCTAssertThrowsError(try ProtocolParser.parse(rflo, file: "p.toml", defaultName: "p")) {
            XCTAssertTrue("\($0)".contains("rule 'rflo' does not support model 'gru'; valid: leaky"), "\($0)")
        }
        XCTAssertThrowsError(try ProtocolParser.parse(text.replacingOccurrences(of: "\"lstm\"", with: "\"lstn\""), file: "p.toml", defaultName: "p")) {
            XCTAssertTrue("\($0)".contains("'lstn'") && "\($0)".contains("gru, lstm"), "\($0)")
        }
    }

    func testSavedNetworkRebuildsTheSameModel() throws {
        for kind in [ModelKind.gru, .lstm] {
            var spec = RunSpec(task: "flipflop3")
            spec.model.kind = kind
            spec.model.hidden = 6
            let original = spec.model.makeModel(inputSize: 3, outputSize: 3, rng: RandomSource(seed: 5, stream: "init"))
            let path = NSTemporaryDirectory() + "gated-\(kind.rawValue)-\(ProcessInfo.processInfo.processIdentifier).json"
            defer { try? FileManager.default.removeItem(atPath: path) }
            try SavedNetwork(spec: spec, model: original).write(to: path)
            let (_, rebuilt) = try SavedNetwork.load(from: path).rebuild()
            XCTAssertEqual(rebuilt.kind, kind)
            XCTAssertEqual(rebuilt.parameters, original.parameters)
            XCTAssertThrowsError(try spec.model.makeModel(inputSize: 3, outputSize: 3, parameters: [1, 2])) {
                XCTAssertTrue("\($0)".contains("expected \(original.layout.count) parameters"), "\($0)")
            }
        }
    }

    func testWeightPerturbationHitsEveryRecurrentMatrixAndTauIsSkipped() throws {
        for kind in [ModelKind.gru, .lstm] {
            let m = model(kind)
            let recurrent = m.layout.groups.filter { NeuronSilencing.isRecurrentMatrix($0, hidden: 6) }
            XCTAssertEqual(recurrent.map(\.name), kind == .gru ? ["Wr", "Wz", "Wn"] : ["Wi", "Wf", "Wg", "Wo"])
            let targets = Perturbation.targets(.weights, model: m)
            XCTAssertEqual(targets.map(\.index), recurrent.flatMap { Array($0.range) })
            for g in recurrent {
                let scale = Perturbation.standardDeviation(Array(m.parameters[g.range]))
                XCTAssertTrue(targets.filter { g.range.contains($0.index) }.allSatisfy { $0.scale == scale && scale > 0 })
            }
            XCTAssertTrue(Perturbation.targets(.tau, model: m).isEmpty)
            // No tau curve, no error.
            let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 10])
            var p = Perturbation()
            p.weights = [0, 1]
            p.state = []
            p.draws = 1
            p.trials = 8
            XCTAssertEqual(p.run(model: m, task: task, rng: RandomSource(seed: 2, stream: "analysis")).map(\.kind), ["perturb-weights"])
        }
        // The leaky RNN keeps its single W, without the frozen diagonal.
        let leaky = model(.leaky)
        XCTAssertEqual(Perturbation.targets(.weights, model: leaky).count, 6 * 5)
        XCTAssertEqual(Perturbation.targets(.tau, model: leaky).count, 6)
    }

    /// BPTT (the CLI defaults: Adam 3e-3, clip 2, batch 32) with N = 32 learns 3-DMS with both gated
    /// models on three seeds. Measured trials to criterion (eval every 256): GRU 7680 on each seed,
    /// LSTM 11008 / 10240 / 9984 (docs/models-and-tasks.md); the budgets leave about 2× room.
    func testBPTTLearnsThreeDMSWithGRUAndLSTM() throws {
        for (kind, budget) in [(ModelKind.gru, 16_384), (.lstm, 24_576)] {
            for seed: UInt64 in 1...3 {
                var spec = RunSpec(task: "n-dms")
                spec.taskParameters = ["N": 3]
                spec.model.kind = kind
                spec.model.hidden = 32
                spec.training.optimizer.learningRate = 3e-3
                spec.training.optimizer.clipNorm = 2
                spec.training.evalEvery = 256
                spec.training.maxTrials = budget
                spec.seed = seed
                let outcome = try spec.execute()
                XCTAssertEqual(outcome.result.status, .reached, "\(kind.rawValue), seed \(seed)")
                XCTAssertGreaterThanOrEqual(outcome.result.final.accuracy, 0.95, "\(kind.rawValue), seed \(seed)")
            }
        }
    }
}
