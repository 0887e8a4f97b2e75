import XCTest
@testable import Plasticity

/// The trainer's evaluation grid, the curve subset of the validation set and the divergence bound.
final class EvaluationGridTests: XCTestCase {
    /// Raises the output bias by the learning rate at every batch: the loss grows without bound but
    /// stays finite, as a rule running away would.
    final class RunawayRule: LearningRule {
        static let id = "runaway"
        static let locality = Locality.nonlocal
        static let summary = "test: raises the output bias"
        static let citation = ""
        static let hyperparameters: [ParameterSpec] = []
        static let supportedModels: [ModelKind] = [.leaky]
        static let cost = ""
        init(settings: [String: Double], model: any RecurrentModel, objective: Objective, batchSize: Int, maxSteps: Int) {}
        init() {}
        func direction(model: any RecurrentModel, batch: Batch, noise: RandomSource, into direction: inout [Double]) -> StepStats {
            for i in direction.indices { direction[i] = 0 }
            for i in model.layout["c"].range { direction[i] = -1 }
            return StepStats(loss: 1)
        }
    }

    func runaway(factor: Double?) throws -> TrainingResult {
        let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 10])
        var config = TrainingConfig()
        config.batchSize = 16
        config.maxTrials = 1_600
        config.evalEvery = 16
        config.validationSize = 32
        config.optimizer = OptimizerConfig()
        config.optimizer.kind = .sgd
        config.optimizer.learningRate = 1
        config.divergenceFactor = factor
        let streams = RunStreams(seed: 1)
        var model = ModelSpec().makeModel(inputSize: 3, outputSize: 3, rng: streams.initialization)
        return Trainer.train(model: &model, task: task, rule: RunawayRule(), config: config, streams: streams)
    }

    /// A finite loss beyond 100 × the initial one is a divergence, stored with its trial.
    func testLossBeyondTheBoundIsADivergenceWithItsTrial() throws {
        let r = try runaway(factor: 100)
        XCTAssertEqual(r.status, .diverged)
        let initial = r.curve[0].validationLoss, last = r.curve.last!
        XCTAssertEqual(r.divergedAtTrial, last.trials)
        XCTAssertGreaterThan(last.validationLoss, 100 * initial)
        XCTAssertLessThanOrEqual(r.curve[r.curve.count - 2].validationLoss, 100 * initial)
        XCTAssertTrue(r.curve.allSatisfy(\.validationLoss.isFinite))
        // Without the bound the same run uses its budget.
        XCTAssertEqual(try runaway(factor: nil).status, .budget)
    }

    func testDefaultGridIsOnePercentOfTheBudgetAtMost256Trials() {
        var c = TrainingConfig()
        c.batchSize = 32
        c.maxTrials = 20_000
        XCTAssertEqual(c.evaluationInterval, 224)  // 200, rounded up to whole batches
        c.maxTrials = 80_000
        XCTAssertEqual(c.evaluationInterval, 256)
        c.maxTrials = 1_000
        XCTAssertEqual(c.evaluationInterval, 32)  // at least one batch
        c.evalEvery = 1_000
        XCTAssertEqual(c.evaluationInterval, 1_024)
    }

    /// Configurations stored before the curve subset and the bound decode to what they meant.
    func testOldConfigurationsDecodeToTheirMeaning() throws {
        let json = #"{"batchSize":32,"criterion":{"metric":"accuracy","threshold":0.95},"evalEvery":1000,"maxTrials":20000,"optimizer":{"beta1":0.9,"beta2":0.999,"epsilon":1e-08,"kind":"adam","learningRate":0.001,"momentum":0,"nesterov":false},"stopAtCriterion":true,"validationSize":256}"#
        let c = try JSONDecoder().decode(TrainingConfig.self, from: Data(json.utf8))
        XCTAssertEqual(c.curveSize, 256)
        XCTAssertNil(c.divergenceFactor)
        XCTAssertEqual(c.evalEvery, 1000)
    }

    /// The curve uses the leading 32 trials (one batch); the criterion and the final evaluation the whole set.
    func testCurveSubsetAndWholeSetCriterion() throws {
        var spec = RunSpec(task: "flipflop3")
        spec.taskParameters = ["T": 20]
        spec.model.hidden = 16
        spec.model.activation = .tanh
        spec.training.maxTrials = 640
        spec.training.stopAtCriterion = false
        spec.training.criterion = Criterion(metric: .accuracy, threshold: 0)  // met at once, on the whole set
        let outcome = try spec.execute()
        let task = outcome.task
        let set = ValidationSet(task: task, config: spec.training, rng: RunStreams(seed: spec.seed).validation)
        XCTAssertEqual(set.curveBatches.count, 1)
        XCTAssertEqual(set.batches.count, 8)
        XCTAssertEqual(outcome.result.curveBaseline, set.curveBaseline)
        XCTAssertEqual(outcome.result.baseline, set.baseline)
        XCTAssertEqual(outcome.result.trialsToCriterion, 0)
        XCTAssertEqual(outcome.result.curve.map(\.trials), Array(stride(from: 0, through: 640, by: 32)))
        let whole = Evaluation.run(model: outcome.model, task: task, batches: set.batches)
        let curve = Evaluation.run(model: outcome.model, task: task, batches: set.curveBatches)
        XCTAssertEqual(outcome.result.final, whole)
        XCTAssertEqual(outcome.result.curve.last!.validationLoss, curve.loss)
        XCTAssertNotNil(outcome.result.evaluationSeconds)
    }

    /// The whole-set confirmation stops early only when the full evaluation would fail the
    /// criterion, and otherwise gives the full evaluation bit for bit.
    func testTheConfirmationStopsEarlyOnlyWhenTheCriterionMustFail() throws {
        var spec = RunSpec(task: FlipFlop3.id)
        spec.model.hidden = 8
        spec.training.maxTrials = 64
        spec.training.validationSize = 256
        let outcome = try spec.execute()
        let task = outcome.task
        let set = ValidationSet(task: task, config: spec.training, rng: RunStreams(seed: spec.seed).validation)
        let full = Evaluation.run(model: outcome.model, task: task, batches: set.batches)
        let total = set.batches.reduce(0.0) { $0 + task.score(outputs: Tensor3(steps: $1.steps, batch: $1.size, width: task.outputSize), batch: $1).total }
        var stopped = 0
        for fraction in stride(from: 0.5, through: 1.5, by: 0.05) {
            for criterion in [Criterion(metric: .accuracy, threshold: min(full.accuracy * fraction, 1)), Criterion(metric: .loss, threshold: full.loss * fraction)] {
                let confirmed = Evaluation.run(model: outcome.model, task: task, batches: set.batches, forward: nil, until: criterion, scoredTotal: total)
                if criterion.isMet(by: full) {
                    XCTAssertEqual(confirmed, full)
                } else if confirmed == nil {
                    stopped += 1
                } else {
                    XCTAssertEqual(confirmed, full)
                }
            }
        }
        XCTAssertGreaterThan(stopped, 10, "far from the criterion the check must stop early")
    }
}
