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

/// A reward rule defined only in the test target: antithetic two-point random search,
/// d = (L(θ + σδ) - L(θ - σδ)) / (2σ) · δ with δ ~ N(0, I) on the trainable entries. It judges each pass
/// with `Objective.evaluate`, so TCR reaches it through its locality, with no TCR code here.
final class TwoPointSearchRule: LearningRule {
    static let id = "test-two-point"
    static let locality = Locality.reward
    static let summary = "two-point random search along one Gaussian direction (a rule defined in the tests)"
    static let citation = "test target only"
    static let hyperparameters = [ParameterSpec("sigma", default: 1e-4, range: 1e-8...1, doc: "step along the direction")]
    static let supportedModels = ModelKind.allCases
    static let cost = "two forward passes plus one clean pass"

    let objective: Objective
    let sigma: Double
    var trajectory: Trajectory
    var probe: any RecurrentModel
    var delta: [Double]

    init(settings: [String: Double], model: any RecurrentModel, objective: Objective, batchSize: Int, maxSteps: Int) throws {
        self.objective = objective
        sigma = settings["sigma"]!
        trajectory = model.makeTrajectory(capacity: maxSteps, batch: batchSize)
        probe = model
        delta = [Double](repeating: 0, count: model.layout.count)
    }

    func direction(model: any RecurrentModel, batch: Batch, noise: RandomSource, into direction: inout [Double]) -> StepStats {
        objective.forward(model, batch.inputs, into: &trajectory)
        let stats = objective.evaluate(trajectory, batch: batch)
        noise.fillGaussian(&delta, sigma: 1)
        for i in model.frozenIndices { delta[i] = 0 }
        func loss(_ sign: Double) -> Double {
            probe.parameters = zip(model.parameters, delta).map { $0 + sign * sigma * $1 }
            objective.forward(probe, batch.inputs, into: &trajectory)
            return objective.evaluate(trajectory, batch: batch).loss
        }
        let slope = (loss(1) - loss(-1)) / (2 * sigma)
        direction = delta.map { slope * $0 }
        return stats
    }
}

final class RegisteredRuleTests: XCTestCase {
    /// TCR reaches a rule through its locality: the test-only reward rule, which has no TCR code,
    /// reports task + R and, averaged over many draws, follows the gradient of task + R, not of the task alone.
    func testATestOnlyRewardRuleGetsTCRFromItsLocality() throws {
        var registry = RuleRegistry.standard
        registry.register(TwoPointSearchRule.self)
        let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 10, "p": 0.3])
        let model = LocalModels.make(.leaky, task: task, seed: 2)
        let batch = task.batch(size: 4, using: RandomSource(seed: 2, stream: "data"))
        func objective(_ lambda: Double) -> Objective { Objective(lossKind: .mse, tcr: TCRStrength(lambda: lambda)) }
        func exact(_ lambda: Double) throws -> [Double] {
            let rule = try registry.make("bptt", model: model, objective: objective(lambda), batchSize: 4, maxSteps: 10)
            var d = [Double]()
            _ = rule.direction(model: model, batch: batch, noise: RandomSource(seed: 0, stream: "unused"), into: &d)
            return d
        }
        let rule = try registry.make(TwoPointSearchRule.id, model: model, objective: objective(30), batchSize: 4, maxSteps: 10)
        let noise = RandomSource(seed: 4, stream: "noise")
        var sum = [Double](repeating: 0, count: model.layout.count), d = [Double]()
        var stats = StepStats(loss: 0)
        for _ in 0..<4000 {
            stats = rule.direction(model: model, batch: batch, noise: noise, into: &d)
            for i in sum.indices { sum[i] += d[i] }
        }
        let bpttStats = try registry.make("bptt", model: model, objective: objective(30), batchSize: 4, maxSteps: 10)
            .direction(model: model, batch: batch, noise: noise, into: &d)
        XCTAssertEqual(stats.loss, bpttStats.loss, accuracy: 1e-14)
        XCTAssertEqual(stats.taskLoss, bpttStats.taskLoss, accuracy: 1e-14)
        XCTAssertGreaterThan(stats.loss - stats.taskLoss, 1e-3)
        func cosine(_ a: [Double], _ b: [Double]) -> Double {
            zip(a, b).map { $0 * $1 }.reduce(0, +) / (a.map { $0 * $0 }.reduce(0, +) * b.map { $0 * $0 }.reduce(0, +)).squareRoot()
        }
        let total = try exact(30), taskOnly = try exact(0)
        XCTAssertLessThan(cosine(total, taskOnly), 0.8, "TCR must matter for this check")
        XCTAssertGreaterThan(cosine(sum, total), 0.9)
        XCTAssertLessThan(cosine(sum, taskOnly), cosine(sum, total) - 0.1)
    }

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
