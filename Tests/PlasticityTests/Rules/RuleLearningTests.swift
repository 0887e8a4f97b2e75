import Foundation
import XCTest
@testable import Plasticity

/// Every rule learns flipflop3 (T = 50, leaky RNN with tanh, N = 32, batch 32), with the settings
/// of its file in rules/. Budgets and the measured trials to criterion are in docs/rules.md.
final class RuleLearningTests: XCTestCase {
    static let rulesDirectory = TestPackage.url("rules").path

    func spec(rule: String, seed: UInt64, hidden: Int = 32, budget: Int) -> RunSpec {
        var spec = RunSpec(task: "flipflop3")
        spec.taskParameters = ["T": 50]
        spec.rule = rule
        spec.rulesDirectories = [RuleLearningTests.rulesDirectory]
        spec.model.hidden = hidden
        spec.model.activation = .tanh
        spec.training.maxTrials = budget
        spec.training.evalEvery = 512
        spec.seed = seed
        return spec
    }

    /// Reaches 95% validation sign accuracy within `budget` trials on seeds 1-3.
    func assertReaches(_ rule: String, hidden: Int = 32, budget: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        for seed: UInt64 in 1...3 {
            let outcome = try spec(rule: rule, seed: seed, hidden: hidden, budget: budget).execute()
            XCTAssertEqual(outcome.result.status, .reached, "\(rule) seed \(seed)", file: file, line: line)
            XCTAssertLessThanOrEqual(outcome.result.trialsToCriterion ?? .max, budget, file: file, line: line)
            XCTAssertNotNil(outcome.rule.file, "\(rule) comes from its rule file", file: file, line: line)
        }
    }

    /// After `budget` trials the validation loss is at most `margin` × the untrained network's, on seeds 1-3.
    func assertBeatsUntrained(_ rule: String, budget: Int, margin: Double, file: StaticString = #filePath, line: UInt = #line) throws {
        for seed: UInt64 in 1...3 {
            var s = spec(rule: rule, seed: seed, budget: budget)
            s.training.stopAtCriterion = false
            s.training.evalEvery = budget
            let outcome = try s.execute()
            let untrained = outcome.result.curve.first!.validationLoss
            XCTAssertNotEqual(outcome.result.status, .diverged, file: file, line: line)
            XCTAssertLessThanOrEqual(outcome.result.final.loss, margin * untrained, "\(rule) seed \(seed)", file: file, line: line)
        }
    }

    func testTruncatedBPTTLearnsFlipFlop() throws { try assertReaches("tbptt-10", budget: 6_000) }
    func testRTRLLearnsFlipFlopAtSmallN() throws { try assertReaches("rtrl", hidden: 16, budget: 6_000) }
    func testSymmetricEPropLearnsFlipFlop() throws { try assertReaches("eprop-symmetric", budget: 8_000) }
    func testRandomEPropLearnsFlipFlop() throws { try assertReaches("eprop-random", budget: 16_000) }
    func testRFLOLearnsFlipFlop() throws { try assertReaches("rflo", budget: 16_000) }
    func testNodePerturbationBeatsUntrainedNetwork() throws { try assertBeatsUntrained("node-perturbation", budget: 8_192, margin: 0.85) }
    func testWeightPerturbationBeatsUntrainedNetwork() throws { try assertBeatsUntrained("weight-perturbation", budget: 8_192, margin: 0.85) }

    func testRuleFileOptimiserAppliesUnlessOverridden() throws {
        let base = spec(rule: "weight-perturbation", seed: 1, budget: 32)
        let configuration = try base.ruleConfiguration()
        XCTAssertEqual(base.effectiveTraining(for: configuration).optimizer.learningRate, 0.003)
        var explicit = base
        explicit.optimizerOverrides.learningRate = 0.02
        XCTAssertEqual(explicit.effectiveTraining(for: configuration).optimizer.learningRate, 0.02)
        var changed = base
        changed.training.optimizer.learningRate = 0.05  // set by the caller (differs from the default)
        XCTAssertEqual(changed.effectiveTraining(for: configuration).optimizer.learningRate, 0.05)
        XCTAssertEqual(try base.execute().optimizer.learningRate, 0.003)
    }
}
