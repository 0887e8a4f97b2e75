import GRDB
import XCTest
@testable import Plasticity
@testable import PlasticityStoring

/// The readout rule is a setting of every rule: `delta` gives the perturbation rules the exact
/// readout gradient (the local delta rule) and leaves their perturbation to the recurrent part; the
/// rules exact at the readout are unchanged by it; every run records what its readout did.
final class ReadoutRuleTests: XCTestCase {
    let task = try! TaskRegistry.standard.make("flipflop3", parameters: ["T": 10, "p": 0.3])

    func direction(_ id: String, _ model: any RecurrentModel, _ batch: Batch, _ settings: [String: Double], seed: UInt64 = 11) throws -> [Double] {
        let rule = try RuleRegistry.standard.make(
            id, settings: settings, model: model, objective: Objective(lossKind: .mse), batchSize: batch.size, maxSteps: batch.steps)
        var d = [Double]()
        _ = rule.direction(model: model, batch: batch, noise: RandomSource(seed: seed, stream: "noise"), into: &d)
        return d
    }

    func readoutIndices(_ model: any RecurrentModel) -> [Int] { Array(model.layout["V"].range) + Array(model.layout["c"].range) }

    func testPerturbationRulesWithTheDeltaRuleGetTheExactReadoutGradientOnEveryModel() throws {
        let batch = task.batch(size: 4, using: RandomSource(seed: 2, stream: "data"))
        for kind in ModelKind.allCases {
            var spec = ModelSpec()
            spec.kind = kind
            spec.hidden = 5
            spec.activation = .tanh
            let model = spec.makeModel(inputSize: task.inputSize, outputSize: task.outputSize, rng: RandomSource(seed: 2, stream: "init"))
            let exact = try direction("bptt", model, batch, [:])
            let readout = readoutIndices(model)
            for id in [NodePerturbation.id, WeightPerturbation.id] where (try RuleRegistry.standard.type(id)).supportedModels.contains(kind) {
                let delta = try direction(id, model, batch, ["readout": 1])
                for i in readout { XCTAssertEqual(delta[i], exact[i], accuracy: 1e-12 * max(1, abs(exact[i])), "\(kind) \(id) readout") }
                let own = try direction(id, model, batch, [:])
                XCTAssertFalse(readout.allSatisfy { own[$0] == exact[$0] }, "\(kind) \(id): its own estimate is a perturbation estimate")
                // The recurrent part is still the perturbation estimate: aligned with the gradient over many draws.
                let recurrent = Array(Set(0..<model.layout.count).subtracting(readout).subtracting(model.frozenIndices)).filter { delta[$0] != 0 }
                XCTAssertFalse(recurrent.isEmpty, "\(kind) \(id)")
                let many = try direction(id, model, batch, ["readout": 1, "draws": 4000, "sigma": id == NodePerturbation.id ? 1e-3 : 1e-4])
                var ab = 0.0, aa = 0.0, bb = 0.0
                for i in recurrent { ab += many[i] * exact[i]; aa += many[i] * many[i]; bb += exact[i] * exact[i] }
                XCTAssertGreaterThan(ab / (aa * bb).squareRoot(), 0.9, "\(kind) \(id) recurrent part")
            }
        }
    }

    /// Without output noise the loss change comes from the recurrent noise alone, so node
    /// perturbation's recurrent estimate is less noisy with the delta-rule readout.
    func testTheDeltaRuleReadoutLowersNodePerturbationsRecurrentVariance() throws {
        let batch = task.batch(size: 4, using: RandomSource(seed: 2, stream: "data"))
        var spec = ModelSpec()
        spec.hidden = 5
        spec.activation = .tanh
        let model = spec.makeModel(inputSize: task.inputSize, outputSize: task.outputSize, rng: RandomSource(seed: 2, stream: "init"))
        let exact = try direction("bptt", model, batch, [:])
        let recurrent = Array(model.layout["W"].range) + Array(model.layout["U"].range) + Array(model.layout["b"].range)
        func meanSquaredError(_ settings: [String: Double]) throws -> Double {
            var total = 0.0
            for seed in 1...300 {
                let d = try direction(NodePerturbation.id, model, batch, settings.merging(["sigma": 1e-3]) { a, _ in a }, seed: UInt64(seed))
                total += recurrent.reduce(0) { $0 + (d[$1] - exact[$1]) * (d[$1] - exact[$1]) }
            }
            return total / 300
        }
        let own = try meanSquaredError([:]), delta = try meanSquaredError(["readout": 1])
        XCTAssertLessThan(delta, own / 1.2, "own \(own), delta \(delta)")
    }

    func testRulesExactAtTheReadoutAreUnchangedByTheSetting() throws {
        let batch = task.batch(size: 4, using: RandomSource(seed: 2, stream: "data"))
        let model = LocalModels.make(.leaky, task: task, seed: 2)
        for id in RuleRegistry.standard.ids where RuleRegistry.standard.types.first(where: { $0.id == id })!.learnsReadoutByDeltaRule {
            XCTAssertEqual(try direction(id, model, batch, ["readout": 1]), try direction(id, model, batch, [:]), id)
            XCTAssertEqual(ReadoutRule.effective(try RuleRegistry.standard.type(id), settings: [:]), .delta, id)
        }
        XCTAssertEqual(ReadoutRule.effective(NodePerturbation.self, settings: [:]), .own)
        XCTAssertEqual(ReadoutRule.effective(WeightPerturbation.self, settings: ["readout": 1]), .delta)
        XCTAssertTrue(RuleRegistry.standard.types.allSatisfy { $0.settingSpecs.contains(ReadoutRule.spec) })
    }

    func testEveryRunRecordsItsReadout() throws {
        var spec = RunSpec(task: "flipflop3")
        spec.model.hidden = 4
        spec.training.maxTrials = 64
        // The shipped perturbation files state readout = "delta"; an override restores the rule's own estimate.
        for (rule, settings, expected) in [("bptt", [String: Double](), "delta"), ("node-perturbation", [:], "delta"), ("node-perturbation", ["readout": 0], "own")] {
            spec.rule = rule
            spec.ruleSettings = settings
            let summary = RunSummary(spec: spec, outcome: try spec.execute())
            XCTAssertEqual(summary.readout, expected, rule)
            XCTAssertTrue(summary.text(includeTime: false).contains(expected == "delta" ? "readout by the delta rule" : "readout by the rule's own estimate"))
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("readout-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let experiment = try ProtocolParser.parse("""
            name = "readout"
            rules = ["bptt", "node-perturbation", "weight-perturbation"]
            tasks = ["flipflop3"]
            seeds = 1
            [rule-settings]
            node-perturbation = { sigma = 0.1 }
            weight-perturbation = { readout = "own" }
            [model]
            hidden = 4
            [training]
            max-trials = 64
            """, file: "readout.toml", defaultName: "readout")
        let store = try ResultsStore(path: directory.appendingPathComponent("r.sqlite").path)
        _ = try ProtocolRunner.run(experiment, store: store, workers: 1)
        let stored = try store.queue.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT rule, readout FROM runs").map { ($0["rule"] as String, $0["readout"] as String) })
        }
        XCTAssertEqual(stored, ["bptt": "delta", "node-perturbation": "delta", "weight-perturbation": "own"])
        XCTAssertThrowsError(try ProtocolParser.parse("""
            name = "x"
            rules = ["node-perturbation"]
            tasks = ["flipflop3"]
            [rule-settings]
            node-perturbation = { readout = "hebb" }
            """, file: "x.toml", defaultName: "x")) { error in
            XCTAssertEqual("\(error)", "x.toml: rule-settings.node-perturbation.readout: unknown choice 'hebb'; valid: own, delta")
        }
    }

    /// A task's recommended activation is used wherever a run does not state one.
    func testTasksRecommendTheirActivationWhereARunStatesNone() throws {
        XCTAssertEqual(ModelSpec.activation(stated: nil, task: FlipFlop3.self), .tanh)
        XCTAssertEqual(ModelSpec.activation(stated: nil, task: DelayedAddition.self), .tanh)
        XCTAssertEqual(ModelSpec.activation(stated: nil, task: NParity.self), .tanh)
        XCTAssertNil(RecommendedModel().activation, "a task that recommends nothing leaves the model's default")
        XCTAssertEqual(ModelSpec.activation(stated: .relu, task: FlipFlop3.self), .relu)
        func activations(_ model: String) throws -> [String: Activation] {
            let p = try ProtocolParser.parse("""
                name = "r"
                rules = ["bptt"]
                tasks = ["flipflop3", "n-parity"]
                \(model)
                """, file: "r.toml", defaultName: "r")
            return Dictionary(uniqueKeysWithValues: p.cells.map { ($0.spec.task, $0.spec.model.activation) })
        }
        XCTAssertEqual(try activations(""), ["flipflop3": .tanh, "n-parity": .tanh])
        XCTAssertEqual(try activations("[model]\nhidden = 8"), ["flipflop3": .tanh, "n-parity": .tanh])
        XCTAssertEqual(try activations("[model]\nactivation = \"relu\""), ["flipflop3": .relu, "n-parity": .relu])
        XCTAssertTrue(TaskCatalog.text().contains("recommended: activation tanh"))
    }
}
