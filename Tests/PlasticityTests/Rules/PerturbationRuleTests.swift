import XCTest
@testable import Plasticity

/// Node and weight perturbation are unbiased gradient estimates for small sigma: averaged over many
/// draws on a fixed batch they align with the exact gradient, and their variance falls as 1/draws.
final class PerturbationRuleTests: XCTestCase {
    struct Setup {
        let task: any Task
        let model: LeakyRNN
        let batch: Batch
        let exact: [Double]
    }

    func setup() throws -> Setup {
        let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 10, "p": 0.3])
        var c = LeakyRNNConfig(inputSize: 3, hiddenSize: 5, outputSize: 3)
        c.activation = .tanh
        c.tauRange = 1.5...3
        let model = LeakyRNN(config: c, rng: RandomSource(seed: 2, stream: "init"))
        let batch = task.batch(size: 4, using: RandomSource(seed: 2, stream: "data"))
        let bptt = try RuleRegistry.standard.make("bptt", model: model, objective: Objective(lossKind: .mse), batchSize: 4, maxSteps: 10)
        var exact = [Double]()
        _ = bptt.direction(model: model, batch: batch, noise: RandomSource(seed: 0, stream: "unused"), into: &exact)
        return Setup(task: task, model: model, batch: batch, exact: exact)
    }

    /// The estimate restricted to the groups the rule trains.
    func estimates(_ id: String, draws: Int, repeats: Int, sigma: Double, s: Setup) throws -> [[Double]] {
        let rule = try RuleRegistry.standard.make(
            id, settings: ["draws": Double(draws), "sigma": sigma], model: s.model, objective: Objective(lossKind: .mse),
            batchSize: s.batch.size, maxSteps: s.batch.steps)
        let noise = RandomSource(seed: 11, stream: "noise")
        var d = [Double]()
        return (0..<repeats).map { _ in
            let stats = rule.direction(model: s.model, batch: s.batch, noise: noise, into: &d)
            XCTAssertEqual(stats.loss, GradientCheck.loss(s.model, s.model.parameters, s.batch, .mse), accuracy: 1e-15, "reports the clean loss")
            return d
        }
    }

    /// The indices of the groups the rule trains on `model` (node perturbation: derived from the model's pieces).
    func trainedIndices(_ id: String, _ model: any LocalRecurrentModel) -> [Int] {
        let groups = id == NodePerturbation.id ? LocalModels.nodePerturbationGroups(model) : model.layout.names
        return groups.flatMap { Array(model.layout[$0].range) }
    }

    func cosine(_ a: [Double], _ b: [Double], _ indices: [Int]) -> Double {
        var ab = 0.0, aa = 0.0, bb = 0.0
        for i in indices { ab += a[i] * b[i]; aa += a[i] * a[i]; bb += b[i] * b[i] }
        return ab / (aa * bb).squareRoot()
    }

    func meanSquaredError(_ estimates: [[Double]], _ exact: [Double], _ indices: [Int]) -> Double {
        estimates.map { e in indices.reduce(0) { $0 + (e[$1] - exact[$1]) * (e[$1] - exact[$1]) } }.reduce(0, +) / Double(estimates.count)
    }

    func checkAlignmentAndVariance(_ id: String, sigma: Double, manyDraws: Int) throws {
        let s = try setup()
        let indices = trainedIndices(id, s.model)
        let averaged = try estimates(id, draws: manyDraws, repeats: 1, sigma: sigma, s: s)[0]
        XCTAssertGreaterThan(cosine(averaged, s.exact, indices), 0.9, id)
        // Single-draw estimates are far noisier: the test is not vacuous.
        let single = try estimates(id, draws: 1, repeats: 1, sigma: sigma, s: s)[0]
        XCTAssertLessThan(cosine(single, s.exact, indices), 0.6, id)
        // Variance ∝ 1/draws: the mean squared error of 16-draw averages is ~1/16 of single draws'.
        let mse1 = meanSquaredError(try estimates(id, draws: 1, repeats: 400, sigma: sigma, s: s), s.exact, indices)
        let mse16 = meanSquaredError(try estimates(id, draws: 16, repeats: 400, sigma: sigma, s: s), s.exact, indices)
        let ratio = mse1 / mse16
        XCTAssertGreaterThan(ratio, 16 / 1.4, "\(id): ratio \(ratio)")
        XCTAssertLessThan(ratio, 16 * 1.4, "\(id): ratio \(ratio)")
    }

    func testNodePerturbationAlignsWithGradientAndVarianceFallsAsOneOverDraws() throws {
        try checkAlignmentAndVariance(NodePerturbation.id, sigma: 1e-3, manyDraws: 4000)
    }

    func testWeightPerturbationAlignsWithGradientAndVarianceFallsAsOneOverDraws() throws {
        try checkAlignmentAndVariance(WeightPerturbation.id, sigma: 1e-4, manyDraws: 4000)
    }

    func testRunningAverageBaselineNeedsNoCleanReferenceButStillDescends() throws {
        let s = try setup()
        for id in [NodePerturbation.id, WeightPerturbation.id] {
            let rule = try RuleRegistry.standard.make(
                id, settings: ["draws": 2000, "sigma": 1e-3, "baseline": 1, "baseline-decay": 0.01], model: s.model,
                objective: Objective(lossKind: .mse), batchSize: s.batch.size, maxSteps: s.batch.steps)
            var d = [Double]()
            _ = rule.direction(model: s.model, batch: s.batch, noise: RandomSource(seed: 5, stream: "noise"), into: &d)
            XCTAssertGreaterThan(cosine(d, s.exact, trainedIndices(id, s.model)), 0.5, id)
        }
    }

    /// On every model each perturbation rule supports: many draws on a fixed batch align with the exact
    /// gradient in the groups the rule trains (node perturbation on the PLRNN includes A, reached by the
    /// drive noise), a single draw does not, and the groups it does not train stay 0.
    func testPerturbationRulesAlignWithTheGradientOnEveryModel() throws {
        let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 10, "p": 0.3])
        // The gated models: GatedRuleTests.testNodePerturbationAlignsWithTheGradient.
        XCTAssertEqual(NodePerturbation.supportedModels, ModelKind.localOrGated)
        XCTAssertEqual(WeightPerturbation.supportedModels, ModelKind.allCases)
        XCTAssertEqual(LocalModels.nodePerturbationGroups(LocalModels.make(.plrnn, task: task, seed: 2)), ["W", "C", "h0", "V", "c", "A"])
        XCTAssertEqual(LocalModels.nodePerturbationGroups(LocalModels.make(.leaky, task: task, seed: 2)), ["W", "U", "b", "V", "c"])
        for kind in ModelKind.local {
            let model = LocalModels.make(kind, task: task, seed: 2)
            let batch = task.batch(size: 4, using: RandomSource(seed: 2, stream: "data"))
            let bptt = try RuleRegistry.standard.make("bptt", model: model, objective: Objective(lossKind: .mse), batchSize: 4, maxSteps: 10)
            var exact = [Double]()
            _ = bptt.direction(model: model, batch: batch, noise: RandomSource(seed: 0, stream: "unused"), into: &exact)
            for (id, sigma) in [(NodePerturbation.id, 1e-3), (WeightPerturbation.id, 1e-4)] {
                let indices = trainedIndices(id, model)
                func estimate(draws: Int) throws -> [Double] {
                    let rule = try RuleRegistry.standard.make(
                        id, settings: ["draws": Double(draws), "sigma": sigma], model: model, objective: Objective(lossKind: .mse),
                        batchSize: 4, maxSteps: 10)
                    var d = [Double]()
                    _ = rule.direction(model: model, batch: batch, noise: RandomSource(seed: 11, stream: "noise"), into: &d)
                    return d
                }
                let averaged = try estimate(draws: 4000)
                XCTAssertGreaterThan(cosine(averaged, exact, indices), 0.9, "\(kind) \(id)")
                XCTAssertLessThan(cosine(try estimate(draws: 1), exact, indices), 0.6, "\(kind) \(id)")
                let untrained = Set(0..<model.layout.count).subtracting(indices).subtracting(model.frozenIndices)
                XCTAssertTrue(untrained.allSatisfy { averaged[$0] == 0 }, "\(kind) \(id)")
                for name in model.layout.names where indices.contains(model.layout[name].offset) {
                    XCTAssertFalse(averaged[model.layout[name].range].allSatisfy { $0 == 0 }, "\(kind) \(id) \(name)")
                }
            }
        }
    }
}
