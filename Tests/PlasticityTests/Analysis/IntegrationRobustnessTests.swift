import Foundation
import XCTest
@testable import Plasticity

/// A trained map run as a continuous-time system: Euler at dt = 1 is the map, finer Euler converges
/// to GSL's solution, the gated models refuse, and the protocol's [integration] curve.
final class IntegrationRobustnessTests: XCTestCase {
    func leaky(tau: ClosedRange<Double> = 1...2) -> LeakyRNN {
        var c = LeakyRNNConfig(inputSize: 3, hiddenSize: 8, outputSize: 3)
        c.activation = .tanh
        c.tauRange = tau
        return LeakyRNN(config: c, rng: RandomSource(seed: 11, stream: "init"))
    }

    func plrnn() -> PLRNN {
        PLRNN(config: PLRNNConfig(inputSize: 3, hiddenSize: 8, outputSize: 3), rng: RandomSource(seed: 11, stream: "init"))
    }

    func testEulerAtUnitStepIsTheMapForEveryLocalModel() throws {
        let batch = FlipFlop3(parameters: ["T": 30, "p": 0.1]).batch(size: 4, using: RandomSource(seed: 1, stream: "x"))
        for model in [leaky() as any RecurrentModel, plrnn()] {
            var trajectory = model.makeTrajectory(capacity: batch.steps, batch: batch.size)
            model.forward(batch.inputs, into: &trajectory)
            // dt = 1 parses to the map; run the Euler code path at dt = 1 itself to compare.
            let simulator = try ContinuousTimeSimulator(model: model, method: .euler(dt: 1))
            let euler = try simulator.run(batch.inputs)
            let stateGap = zip(euler.states.data, trajectory.states.data).map { abs($0 - $1) }.max()!
            let outputGap = zip(euler.outputs.data, trajectory.outputs.data).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(stateGap, 1e-12, "\(model.kind)")
            XCTAssertLessThan(outputGap, 1e-12, "\(model.kind)")
            XCTAssertEqual(try IntegrationMethod.parse(dt: "1", method: .rk8pd), .map)
        }
    }

    func testFinerEulerApproachesTheODE() throws {
        let model = leaky(tau: 2...5)
        let batch = FlipFlop3(parameters: ["T": 20, "p": 0.1]).batch(size: 2, using: RandomSource(seed: 2, stream: "x"))
        let exact = try ContinuousTimeSimulator(model: model, method: .adaptive(.rk8pd), absoluteTolerance: 1e-11, relativeTolerance: 1e-11).run(batch.inputs)
        var errors: [Double] = []
        for dt in [0.5, 0.25, 0.125] {
            let run = try ContinuousTimeSimulator(model: model, method: .euler(dt: dt)).run(batch.inputs)
            errors.append(zip(run.outputs.data, exact.outputs.data).map { abs($0 - $1) }.max()!)
        }
        for (coarse, finer) in zip(errors, errors.dropFirst()) { XCTAssertEqual(coarse / finer, 2, accuracy: 0.5, "\(errors)") }
    }

    func testGatedModelsRunOnlyAsTheMapAndSaySo() throws {
        let gru = GRU(config: GRUConfig(inputSize: 3, hiddenSize: 4, outputSize: 3), rng: RandomSource(seed: 1, stream: "init"))
        XCTAssertThrowsError(try ContinuousTimeSimulator(model: gru, method: .adaptive(.rkf45))) {
            XCTAssertEqual("\($0)", "method rkf45: unknown model for continuous time (no vector field: its gates are not an ODE's) 'gru'; valid: leaky, plrnn")
        }
        XCTAssertNoThrow(try ContinuousTimeSimulator(model: gru, method: .map))
        let task = FlipFlop3(parameters: ["T": 20, "p": 0.1])
        XCTAssertEqual(IntegrationRobustness().run(model: gru, task: task, rng: RandomSource(seed: 1, stream: "a")).count, 0)
    }

    func testIntegrationCurveStartsAtTheMapsAccuracy() throws {
        let model = leaky()
        let task = FlipFlop3(parameters: ["T": 20, "p": 0.1])
        var analysis = IntegrationRobustness()
        analysis.dt = [1, 0.5, 0]
        analysis.trials = 32
        let rng = RandomSource(seed: 3, stream: "analysis")
        let curves = analysis.run(model: model, task: task, rng: rng)
        XCTAssertEqual(curves.count, 1)
        XCTAssertEqual(curves[0].kind, "integration")
        XCTAssertEqual(curves[0].levels, [1, 0.5, 0])
        let evaluation = Trainer.validationSet(task: task, size: 32, batchSize: 32, rng: RandomSource(seed: 3, stream: "analysis").child("evaluation"))
        XCTAssertEqual(curves[0].accuracy[0], Evaluation.run(model: model, task: task, batches: evaluation).accuracy)
        XCTAssertTrue(curves[0].accuracy.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    func testBadStepsAreOneLineErrors() {
        XCTAssertThrowsError(try IntegrationMethod.parse(dt: "0.3", method: .rk8pd, key: "--dt")) {
            XCTAssertEqual("\($0)", "--dt: value 0.3 out of range; valid: 1/k for an integer k in 1...100000 (1, 0.5, 0.1, ...)")
        }
        XCTAssertThrowsError(try IntegrationMethod.parse(dt: "fine", method: .rk8pd, key: "--dt")) {
            XCTAssertEqual("\($0)", "--dt: 'fine' is not a step; valid: 1, 0.5, 0.1, ... (1/dt an integer) or adaptive")
        }
    }
}
