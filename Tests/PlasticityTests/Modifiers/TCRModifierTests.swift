import XCTest
@testable import Plasticity
@testable import PlasticityModifiers

final class TCRModifierTests: XCTestCase {
    func smallRun(hidden: Int, trials: Int, evalEvery: Int) throws -> (task: any Task, config: TrainingConfig, model: any RecurrentModel, streams: RunStreams) {
        let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 30])
        var spec = ModelSpec()
        spec.hidden = hidden
        spec.activation = .tanh
        var config = TrainingConfig()
        config.batchSize = 16
        config.maxTrials = trials
        config.evalEvery = evalEvery
        config.validationSize = 32
        config.stopAtCriterion = false
        config.optimizer.learningRate = 0.01
        let streams = RunStreams(seed: 5)
        return (task, config, spec.makeModel(inputSize: 3, outputSize: 3, rng: streams.initialization), streams)
    }

    func train(_ tcr: TCRModifier, hidden: Int = 8, trials: Int, evalEvery: Int) throws -> any RecurrentModel {
        var (task, config, model, streams) = try smallRun(hidden: hidden, trials: trials, evalEvery: evalEvery)
        let rule = BPTT(objective: tcr.objective(lossKind: task.lossKind), model: model, batchSize: config.batchSize, maxSteps: task.maxSteps)
        _ = Trainer.train(
            model: &model, task: task, rule: rule, config: config, streams: streams,
            progress: { t, _ in tcr.update(trials: t) }, checkpoint: tcr.observe)
        return model
    }

    func testFreezeInFollowsTheTrialsThroughTraining() throws {
        let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 30])
        let config = try TCRConfig(schedule: "freeze-in", settings: ["lambda": 1, "freeze-until": 320, "anneal-until": 640])
        let tcr = TCRModifier(config: config, task: task, seed: 5)
        _ = try train(tcr, trials: 800, evalEvery: 160)
        XCTAssertEqual(tcr.trace.map(\.trials), [0, 160, 320, 480, 640, 800])
        XCTAssertEqual(tcr.trace.map(\.lambda), [1, 1, 1, 0.5, 0, 0])
        XCTAssertEqual(tcr.strength.lambda, 0)
    }

    func testCollapsedNetworkMakesTheControllerBackOff() throws {
        let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 30])
        let tcr = TCRModifier(config: try TCRConfig(schedule: "plateau", settings: ["lambda": 0.8]), task: task, seed: 1)
        // No recurrence and no input weights: every trial follows the same bias-driven path to one point.
        var c = LeakyRNNConfig(inputSize: 3, hiddenSize: 4, outputSize: 3)
        c.activation = .tanh
        var p = [Double](repeating: 0, count: LeakyRNN.makeLayout(c).count)
        let layout = LeakyRNN.makeLayout(c)
        for (k, i) in layout["b"].range.enumerated() { p[i] = 0.3 * Double(k + 1) }
        for i in layout["tau"].range { p[i] = 2 }
        let collapsed = LeakyRNN(config: c, parameters: p)
        tcr.observe(trials: 100, model: collapsed, evaluation: Evaluation(loss: 1, accuracy: 0.5))
        XCTAssertEqual(tcr.trace, [TCRTracePoint(trials: 100, lambda: 0.4, collapsed: true)])
        XCTAssertEqual(tcr.schedule.collapses, 1)
        // A network that uses its input is not collapsed.
        var (_, _, healthy, _) = try smallRun(hidden: 4, trials: 1, evalEvery: 1)
        healthy.parameters[healthy.layout["U"].offset] = 3
        tcr.observe(trials: 200, model: healthy, evaluation: Evaluation(loss: 1, accuracy: 0.5))
        XCTAssertEqual(tcr.trace.last?.collapsed, false)
    }

    /// Training with TCR makes trajectories slower: the temporal-difference penalty of the trained
    /// network on held-out trials is lower than without TCR, same seed and data.
    func testTrainingWithTCRSlowsTheDynamics() throws {
        let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 30])
        func trainedPenalty(lambda: Double) throws -> Double {
            let tcr = TCRModifier(config: TCRConfig(lambda: lambda), task: task, seed: 5)
            let model = try train(tcr, hidden: 16, trials: 1_600, evalEvery: 800)
            let probe = task.batch(size: 32, using: RandomSource(seed: 99, stream: "probe"))
            var tr = model.makeTrajectory(capacity: probe.steps, batch: probe.size)
            model.forward(probe.inputs, into: &tr)
            return TemporalConsistency.penalty(tr, lambda: 1)
        }
        let without = try trainedPenalty(lambda: 0), with = try trainedPenalty(lambda: 2)
        XCTAssertLessThan(with, 0.8 * without, "R without TCR \(without), with TCR \(with)")
    }
}
