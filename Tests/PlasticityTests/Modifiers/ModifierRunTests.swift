import XCTest
@testable import Plasticity

/// Modifiers in runs: `RunSpec.modifiers` and rule-file modifiers reach the rule and the trainer,
/// the TCR trace ends up in the result, and short-term plasticity with eta_f = 0 changes nothing.
final class ModifierRunTests: XCTestCase {
    func spec(rule: String = "bptt", hidden: Int = 8, trials: Int = 640) -> RunSpec {
        var spec = RunSpec(task: "flipflop3")
        spec.taskParameters = ["T": 20]
        spec.rule = rule
        spec.model.hidden = hidden
        spec.model.activation = .tanh
        spec.training.batchSize = 16
        spec.training.maxTrials = trials
        spec.training.evalEvery = 160
        spec.training.validationSize = 32
        spec.training.stopAtCriterion = false
        spec.seed = 3
        return spec
    }

    func withoutTime(_ r: TrainingResult) -> TrainingResult {
        var r = r
        r.wallSeconds = 0
        r.evaluationSeconds = nil
        return r
    }

    func testTCRInARunFollowsItsScheduleAndIsReproducible() throws {
        var s = spec()
        var tcr = TCRConfig(lambda: 2, schedule: .freezeIn)
        tcr.freezeUntil = 160
        tcr.annealUntil = 480
        s.modifiers = [.tcr(tcr)]
        let first = try s.execute()
        XCTAssertEqual(first.result.tcrTrace?.map(\.trials), [0, 160, 320, 480, 640])
        XCTAssertEqual(first.result.tcrTrace?.map(\.lambda), [2, 2, 1, 0, 0])
        let second = try s.execute()
        XCTAssertEqual(withoutTime(first.result), withoutTime(second.result))
        XCTAssertEqual(first.model.parameters, second.model.parameters)
        let plain = try spec().execute()
        XCTAssertNil(plain.result.tcrTrace)
        XCTAssertNotEqual(plain.model.parameters, first.model.parameters)
        XCTAssertEqual(RunSummary(spec: s, result: first.result).finalTCRLambda, 0)
    }

    /// The rule's objective carries the TCR strength: with TCR the training loss (task + R) exceeds
    /// what the same run reports without it at the first batches, for every registered rule.
    func testEveryRuleGetsTheModifier() throws {
        for rule in RuleRegistry.standard.ids {
            var s = spec(rule: rule, hidden: 5, trials: 16)
            s.training.evalEvery = 16
            let plain = try s.execute()
            s.modifiers = [.tcr(TCRConfig(lambda: 5))]
            let regularised = try s.execute()
            XCTAssertGreaterThan(regularised.result.curve[1].trainLoss, plain.result.curve[1].trainLoss + 1e-4, rule)
            XCTAssertEqual(regularised.result.curve[0], plain.result.curve[0], "\(rule): same untrained network")
        }
    }

    /// Our choice: gradient rules backpropagate through W only, so with eta_f = 0 the STP forward is
    /// the plain one bit for bit and the whole run is identical, for a gradient and a trace rule.
    func testShortTermPlasticityWithZeroRateIsBitIdenticalToThePlainRun() throws {
        for rule in ["bptt", "eprop"] {
            let plain = try spec(rule: rule, trials: 320).execute()
            var s = spec(rule: rule, trials: 320)
            s.modifiers = [.shortTermPlasticity(ShortTermPlasticityConfig(eta: 0, tauF: 10))]
            let zero = try s.execute()
            XCTAssertEqual(withoutTime(zero.result), withoutTime(plain.result), rule)
            XCTAssertEqual(zero.model.parameters, plain.model.parameters, rule)
            s.modifiers = [.shortTermPlasticity(ShortTermPlasticityConfig(eta: 0.5, tauF: 10))]
            let fast = try s.execute()
            XCTAssertNotEqual(fast.model.parameters, plain.model.parameters, "\(rule): fast weights change what the rule learns")
            // The validation set runs with the fast weights too: the untrained network already scores differently.
            XCTAssertNotEqual(fast.result.curve[0].validationLoss, plain.result.curve[0].validationLoss)
        }
    }

    /// Consolidation moves kappa · mean_b F_T of the rule's pass into W after every update.
    func testConsolidationChangesTheRecurrentWeightsOnly() throws {
        var s = spec(trials: 16)
        s.training.optimizer.learningRate = 1e-9  // isolate consolidation from the rule's own update
        s.modifiers = [.shortTermPlasticity(ShortTermPlasticityConfig(eta: 0.5, tauF: 10, consolidation: 0))]
        let without = try s.execute()
        s.modifiers = [.shortTermPlasticity(ShortTermPlasticityConfig(eta: 0.5, tauF: 10, consolidation: 0.5))]
        let with = try s.execute()
        let layout = with.model.layout
        var change = 0.0
        for i in layout["W"].range { change = max(change, abs(with.model.parameters[i] - without.model.parameters[i])) }
        XCTAssertGreaterThan(change, 1e-4)
        for name in ["U", "b", "V", "c", "tau"] {
            for i in layout[name].range { XCTAssertEqual(with.model.parameters[i], without.model.parameters[i], name) }
        }
    }

    /// BPTT with a constant lambda_TCR = 0.3 still learns flip-flop (T = 50, tanh, N = 32, the rule
    /// file's optimiser) within the budget of plain BPTT, and its trained network moves more slowly:
    /// a lower temporal-difference penalty on held-out trials than the same run without TCR.
    func testBPTTWithConstantTCRLearnsFlipFlopWithSlowerDynamics() throws {
        let learning = RuleLearningTests.self
        var penalties: [Double] = []
        for lambda in [0, 0.3] {
            var s = RunSpec(task: "flipflop3")
            s.taskParameters = ["T": 50]
            s.rulesDirectories = [learning.rulesDirectory]
            s.model.hidden = 32
            s.model.activation = .tanh
            s.training.maxTrials = 8_000
            s.training.evalEvery = 512
            s.seed = 1
            if lambda > 0 { s.modifiers = [.tcr(TCRConfig(lambda: lambda))] }
            let outcome = try s.execute()
            XCTAssertEqual(outcome.result.status, .reached, "lambda \(lambda)")
            let probe = outcome.task.batch(size: 64, using: RandomSource(seed: 99, stream: "probe"))
            var tr = outcome.model.makeTrajectory(capacity: probe.steps, batch: probe.size)
            outcome.model.forward(probe.inputs, into: &tr)
            penalties.append(TemporalConsistency.penalty(tr, lambda: 1))
        }
        XCTAssertLessThan(penalties[1], 0.8 * penalties[0], "R without TCR \(penalties[0]), with \(penalties[1])")
    }
}
