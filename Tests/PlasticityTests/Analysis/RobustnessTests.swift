import XCTest
@testable import Plasticity

final class RobustnessTests: XCTestCase {
    func smallModel(hidden: Int = 5) -> any RecurrentModel {
        var spec = ModelSpec()
        spec.hidden = hidden
        spec.initialization = .uniformFanIn  // non-zero biases, so silencing b is visible
        return spec.makeModel(inputSize: 3, outputSize: 3, rng: RandomSource(seed: 4, stream: "init"))
    }

    func testSilencingZeroesExactlyTheNeuronsConnections() {
        let before = smallModel()
        var after = before
        NeuronSilencing.silence([1, 3], in: &after)
        let layout = before.layout, n = 5
        XCTAssertEqual(NeuronSilencing.touchedGroups(layout, hidden: n), ["W", "U", "b", "V"])
        for g in layout.groups {
            for r in 0..<g.rows {
                for c in 0..<g.cols {
                    let i = g.offset + r * g.cols + c
                    let silenced: Bool
                    switch g.name {
                    case "W": silenced = [1, 3].contains(r) || [1, 3].contains(c)
                    case "U": silenced = [1, 3].contains(r)
                    case "b": silenced = [1, 3].contains(c)
                    case "V": silenced = [1, 3].contains(c)
                    default: silenced = false  // c and tau are not connections
                    }
                    XCTAssertEqual(after.parameters[i], silenced ? 0 : before.parameters[i], "\(g.name)[\(r),\(c)]")
                }
            }
        }
    }

    func testSilencingEveryNeuronLeavesOnlyTheOutputBias() {
        var model = smallModel()
        NeuronSilencing.silence(Array(0..<5), in: &model)
        let task = FlipFlop3(parameters: ["T": 20, "p": 0.2])
        let batch = task.batch(size: 4, using: RandomSource(seed: 1, stream: "data"))
        var trajectory = model.makeTrajectory(capacity: 20, batch: 4)
        model.forward(batch.inputs, into: &trajectory)
        let c = model.group("c")
        for t in 0..<20 { for b in 0..<4 { for k in 0..<3 { XCTAssertEqual(trajectory.outputs[t, b, k], c[k], accuracy: 1e-12) } } }
    }

    func testRankingsByTauAndWeight() {
        let model = smallModel()
        let tau = model.group("tau")
        let byTau = Ablation.ranking(.tau, model: model, rng: RandomSource(seed: 0, stream: "x"))!
        XCTAssertEqual(byTau.map { tau[$0] }, tau.sorted(by: >))
        let random = Ablation.ranking(.random, model: model, rng: RandomSource(seed: 0, stream: "x"))!
        XCTAssertEqual(random.sorted(), Array(0..<5))
    }

    /// A briefly trained flip-flop network: level 0 is the undamaged accuracy, full damage is worse,
    /// and each analysis draws from its own stream (adding one never changes another).
    func testAnalysesOnATrainedNetwork() throws {
        var spec = RunSpec(task: "flipflop3")
        spec.taskParameters = ["T": 50]
        spec.model.hidden = 32
        spec.model.activation = .tanh
        spec.training.optimizer.learningRate = 0.01
        spec.training.maxTrials = 4_000
        spec.training.evalEvery = 512
        let outcome = try spec.execute()
        XCTAssertEqual(outcome.result.status, .reached)

        var ablation = Ablation()
        ablation.fractions = [0, 1]
        ablation.orders = [.random, .weight]
        ablation.draws = 2
        ablation.trials = 64
        var perturbation = Perturbation()
        perturbation.weights = [0, 2]
        perturbation.state = [0, 2]
        perturbation.tau = [0, 2]
        perturbation.draws = 2
        perturbation.trials = 64
        let both = AnalysisPlan(ablation: ablation, perturbation: perturbation).run(model: outcome.model, task: outcome.task, seed: 1)
        XCTAssertEqual(both.map(\.kind), ["ablation-random", "ablation-weight", "perturb-weights", "perturb-state", "perturb-tau"])
        let baseline = Evaluation.run(
            model: outcome.model, task: outcome.task,
            batches: Trainer.validationSet(task: outcome.task, size: 64, batchSize: 64, rng: RandomSource(seed: 1, stream: "analysis").child("ablation").child("evaluation")))
        for curve in both where curve.kind.hasPrefix("ablation") {
            XCTAssertEqual(curve.accuracy[0], baseline.accuracy, accuracy: 1e-12, curve.kind)
            XCTAssertLessThan(curve.accuracy[1], curve.accuracy[0] - 0.1, curve.kind)
        }
        for curve in both where curve.kind != "perturb-tau" {
            XCTAssertLessThan(curve.accuracy[1], curve.accuracy[0], curve.kind)
        }
        let alone = AnalysisPlan(ablation: ablation).run(model: outcome.model, task: outcome.task, seed: 1)
        XCTAssertEqual(alone, Array(both.prefix(2)))
        let again = AnalysisPlan(ablation: ablation, perturbation: perturbation).run(model: outcome.model, task: outcome.task, seed: 1)
        XCTAssertEqual(again, both)
    }
}
