import XCTest
@testable import Plasticity

final class TrainingTests: XCTestCase {
    func flipflopSpec(seed: UInt64) -> RunSpec {
        var spec = RunSpec(task: "flipflop3")
        spec.taskParameters = ["T": 50]
        spec.model.hidden = 32
        spec.model.activation = .tanh
        spec.training.optimizer.learningRate = 0.01
        spec.training.maxTrials = 12_000
        spec.training.evalEvery = 512
        spec.seed = seed
        return spec
    }

    /// The one small learning test in `make test`: BPTT reaches 95% sign accuracy on a short flip-flop.
    /// Measured: 2048, 1536, 1536 trials for seeds 1-3; the budget leaves room for platform variation.
    func testBPTTLearnsFlipFlopOnThreeSeeds() throws {
        for seed: UInt64 in 1...3 {
            let outcome = try flipflopSpec(seed: seed).execute()
            XCTAssertEqual(outcome.result.status, .reached, "seed \(seed)")
            XCTAssertGreaterThanOrEqual(outcome.result.final.accuracy, 0.95, "seed \(seed)")
            XCTAssertLessThanOrEqual(outcome.result.trialsToCriterion ?? .max, 12_000)
        }
    }

    func testSameSeedGivesBitIdenticalResults() throws {
        var spec = flipflopSpec(seed: 7)
        spec.training.maxTrials = 1_000
        spec.training.stopAtCriterion = false
        let a = try spec.execute(), b = try spec.execute()
        XCTAssertEqual(a.model.parameters, b.model.parameters)
        var ra = a.result, rb = b.result
        ra.wallSeconds = 0
        ra.evaluationSeconds = nil
        rb.wallSeconds = 0
        rb.evaluationSeconds = nil
        XCTAssertEqual(ra, rb)
        spec.seed = 8
        XCTAssertNotEqual(try spec.execute().model.parameters, a.model.parameters)
    }

    func testDataStreamDoesNotDependOnTheRuleOrItsNoise() {
        let a = RunStreams(seed: 3), b = RunStreams(seed: 3)
        _ = (0..<100).map { _ in b.noise.gaussian() }  // a rule drawing noise must not shift the data
        XCTAssertEqual(a.data.uniform(), b.data.uniform())
        XCTAssertNotEqual(RunStreams(seed: 3).data.uniform(), RunStreams(seed: 3).validation.uniform())
    }

    func testDivergingRunIsRecordedWithItsTrialNotACrash() throws {
        var spec = flipflopSpec(seed: 1)
        // Plain SGD with a huge step and no clipping (the rule file's clip would tame it).
        spec.optimizerOverrides = OptimizerSettings(kind: .sgd, learningRate: 10, clipNorm: .greatestFiniteMagnitude)
        spec.model.activation = .relu
        spec.model.gain = 5
        spec.training.maxTrials = 5_000
        let outcome = try spec.execute()
        XCTAssertEqual(outcome.result.status, .diverged)
        XCTAssertNotNil(outcome.result.divergedAtTrial)
        XCTAssertLessThanOrEqual(outcome.result.divergedAtTrial!, 5_000)
    }

    func testBudgetIsCensoredNotReached() throws {
        var spec = flipflopSpec(seed: 1)
        spec.training.maxTrials = 64
        spec.training.criterion = Criterion(metric: .loss, threshold: 1e-9)
        let outcome = try spec.execute()
        XCTAssertEqual(outcome.result.status, .budget)
        XCTAssertNil(outcome.result.trialsToCriterion)
        XCTAssertEqual(outcome.result.curve.first?.trials, 0)
    }

    func testAdamAndSGDSteps() {
        var p = [1.0, -2.0]
        var g = [0.5, -0.5]
        var config = OptimizerConfig()
        config.kind = .sgd
        config.learningRate = 0.1
        var sgd = Optimizer(config: config, parameterCount: 2)
        sgd.apply(&g, to: &p)
        XCTAssertEqual(p, [0.95, -1.95])
        config.kind = .adam
        var adam = Optimizer(config: config, parameterCount: 2)
        p = [0, 0]
        g = [3, -1e-3]
        adam.apply(&g, to: &p)  // first Adam step moves each coordinate by ~lr, whatever the scale
        XCTAssertEqual(p[0], -0.1, accuracy: 1e-6)
        XCTAssertEqual(p[1], 0.1, accuracy: 1e-4)
        config.clipNorm = 1
        var clipped = Optimizer(config: config, parameterCount: 2)
        var big = [3.0, 4.0]
        p = [0, 0]
        XCTAssertEqual(clipped.apply(&big, to: &p), 5)
        XCTAssertEqual(big[0], 0.6, accuracy: 1e-15)
        XCTAssertEqual(big[1], 0.8, accuracy: 1e-15)
        var bad = [Double.nan, 1]
        p = [1, 1]
        XCTAssertTrue(clipped.apply(&bad, to: &p).isNaN)
        XCTAssertEqual(p, [1, 1], "a non-finite direction must not touch the parameters")
    }

    func testBadInputNamesKeyAndValidChoices() {
        XCTAssertThrowsError(try TaskRegistry.standard.make("nope")) { error in
            XCTAssertTrue("\(error)".hasPrefix("unknown task 'nope'; valid: "), "\(error)")
            XCTAssertTrue("\(error)".contains("flipflop3"))
        }
        XCTAssertThrowsError(try TaskRegistry.standard.make("flipflop3", parameters: ["X": 1])) { error in
            XCTAssertEqual("\(error)", "task flipflop3: unknown parameter 'X'; valid: T, p")
        }
        XCTAssertThrowsError(try TaskRegistry.standard.make("flipflop3", parameters: ["T": 2.5])) { error in
            XCTAssertEqual("\(error)", "task flipflop3: T: value 2.5 must be a whole number; valid: 2...10000")
        }
        var spec = RunSpec(task: "flipflop3")
        spec.rule = "nope"
        XCTAssertThrowsError(try spec.execute()) { XCTAssertTrue("\($0)".hasPrefix("unknown rule 'nope'; valid: bptt")) }
    }
}
