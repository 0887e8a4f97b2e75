import Foundation
import XCTest
@testable import Plasticity

/// A rule defined only in the test target: BPTT's gradient times a constant. It shows that adding a
/// rule is one Swift type, one `register` line and one rule file — nothing else in the library changes.
final class ScaledGradientRule: LearningRule {
    static let id = "test-scaled-bptt"
    static let locality = Locality.nonlocal
    static let summary = "BPTT's exact gradient times a constant (a rule defined in the tests)"
    static let citation = "test target only"
    static let hyperparameters = [ParameterSpec("scale", default: 1, range: 0...10, doc: "factor on the gradient")]
    static let supportedModels = ModelKind.allCases
    static let cost = "as bptt"

    let exact: BPTT
    let scale: Double

    init(settings: [String: Double], model: any RecurrentModel, objective: Objective, batchSize: Int, maxSteps: Int) throws {
        exact = BPTT(objective: objective, model: model, batchSize: batchSize, maxSteps: maxSteps)
        scale = settings["scale"]!
    }

    func direction(model: any RecurrentModel, batch: Batch, noise: RandomSource, into direction: inout [Double]) -> StepStats {
        let stats = exact.direction(model: model, batch: batch, noise: noise, into: &direction)
        for i in direction.indices { direction[i] *= scale }
        return stats
    }
}

final class RegisteredRuleTests: XCTestCase {
    func testARuleDefinedInTheTestsRegistersLoadsFromItsFileAndTrains() throws {
        var registry = RuleRegistry.standard
        registry.register(ScaledGradientRule.self)
        XCTAssertEqual(registry.ids, RuleRegistry.standard.ids + [ScaledGradientRule.id])
        XCTAssertThrowsError(try RuleRegistry.standard.type(ScaledGradientRule.id), "the standard registry is unchanged")

        let directory = NSTemporaryDirectory() + "registered-rule-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try """
            implementation = "test-scaled-bptt"
            description = "half of BPTT's gradient"
            citation = "test target only"
            [hyperparameters]
            scale = 0.5
            [optimizer]
            kind = "sgd"
            learning-rate = 0.2
            """.write(toFile: directory + "/half-bptt.toml", atomically: true, encoding: .utf8)
        try """
            implementation = "bptt"
            description = "BPTT with plain SGD"
            citation = "Werbos 1990"
            [optimizer]
            kind = "sgd"
            learning-rate = 0.1
            """.write(toFile: directory + "/sgd-bptt.toml", atomically: true, encoding: .utf8)

        let library = try RuleLibrary(registry: registry, shipped: nil, userDirectories: [directory])
        XCTAssertEqual(try library.resolve("half-bptt").hyperparameters, ["scale": 0.5])
        XCTAssertTrue(RuleCatalog.text(library).contains("test-scaled-bptt (nonlocal): BPTT's exact gradient times a constant"))

        // With plain SGD, half the gradient at twice the learning rate is BPTT at the base rate, step for step.
        func run(_ rule: String) throws -> RunOutcome {
            var spec = RunSpec(task: "flipflop3")
            spec.taskParameters = ["T": 20]
            spec.rule = rule
            spec.rulesDirectories = [directory]
            spec.model.hidden = 8
            spec.training.maxTrials = 256
            spec.training.evalEvery = 128
            spec.training.stopAtCriterion = false
            spec.seed = 3
            return try spec.execute(rules: registry)
        }
        let half = try run("half-bptt")
        XCTAssertEqual(half.rule.implementation, ScaledGradientRule.id)
        XCTAssertLessThan(half.result.final.loss, half.result.curve.first!.validationLoss)
        let bptt = try run("sgd-bptt")
        XCTAssertEqual(half.result.final.loss, bptt.result.final.loss)
    }
}
