import XCTest
@testable import Plasticity

final class GeometricRestructuringTests: XCTestCase {
    func snap(_ trials: Int, stable: Int, unstable: Int = 0, pr: Double) -> GeometrySnapshot {
        GeometrySnapshot(trials: trials, stableFixedPoints: stable, unstableFixedPoints: unstable, slowPoints: 0,
                         participationRatio: pr, dimension90: 1)
    }

    func testDetectsAttractorStabilityAndParticipationRatioChanges() {
        let snapshots = [
            snap(0, stable: 1, pr: 2.0),
            snap(500, stable: 1, pr: 2.2),              // +10%: below the 25% jump
            snap(1_000, stable: 1, unstable: 2, pr: 2.3),  // saddles appear
            snap(1_500, stable: 3, unstable: 2, pr: 3.2),  // new attractors and a PR jump
            snap(2_000, stable: 3, unstable: 2, pr: 3.1),
        ]
        var generator = SplitMixGenerator(state: 42)  // the detector sorts by trials itself
        let events = GeometricRestructuring.events(snapshots.shuffled(using: &generator))
        XCTAssertEqual(events.map(\.trials), [1_000, 1_500])
        XCTAssertEqual(events[0].changes, [.stability])
        XCTAssertEqual(events[0].previousTrials, 500)
        XCTAssertEqual(events[1].changes, [.attractors, .participationRatio])
        XCTAssertEqual(events[1].participationRatioChange, 0.9 / 2.3, accuracy: 1e-12)
        var config = GRDetectorConfig()
        config.participationRatioJump = 0.05
        config.stabilityChanges = false
        XCTAssertEqual(GeometricRestructuring.events(snapshots, config: config).map(\.trials), [500, 1_500])
        XCTAssertEqual(GeometricRestructuring.events([snap(0, stable: 1, pr: 2)]), [])
    }

    func testLagIsMeasuredFromTheLastEventBeforeTheDrop() {
        let events = GeometricRestructuring.events([
            snap(0, stable: 1, pr: 1), snap(1_000, stable: 2, pr: 1), snap(2_000, stable: 2, pr: 1),
            snap(3_000, stable: 4, pr: 1), snap(6_000, stable: 8, pr: 1),
        ])
        XCTAssertEqual(events.map(\.trials), [1_000, 3_000, 6_000])
        let leading = GeometricRestructuring.precedingEvent(events, dropTrial: 4_500)
        XCTAssertEqual(leading?.trials, 3_000)
        XCTAssertEqual(GeometricRestructuring.lag(event: leading!, dropTrial: 4_500), 1_500)
        XCTAssertEqual(GeometricRestructuring.precedingEvent(events, dropTrial: 3_000)?.trials, 3_000)
        XCTAssertNil(GeometricRestructuring.precedingEvent(events, dropTrial: 500))
        XCTAssertEqual(GeometricRestructuring.lag(event: events[2], dropTrial: 4_500), -1_500, "an event after the drop lags negatively")
    }

    func testDetectorSettingsAreValidated() {
        var config = GRDetectorConfig()
        config.participationRatioJump = 0
        XCTAssertThrowsError(try config.validate()) { XCTAssertEqual("\($0)", "pr-jump: value 0 out of range; valid: > 0") }
    }

    /// End to end (BPTT, tanh, N = 20): an untrained small-gain net (g = 0.5) has one fixed point, the
    /// origin, and is stable; trained on the flip-flop, the same net holds memories in >= 2 attractors,
    /// and the snapshots taken at checkpoints through training show the restructuring.
    /// Measured (seed 2, 48 starts): stable/unstable fixed points 1/0 at 0 trials, 2/1 at 1,024 (loss
    /// 0.70 -> 0.25), 3–6 stable and 5–14 unstable from 3,072 on; final loss 0.041; 0.8 s in release.
    func testTrainingTheFlipFlopCreatesAttractors() throws {
        var spec = RunSpec(task: "flipflop3")
        spec.taskParameters = ["T": 50]
        spec.model.hidden = 20
        spec.model.activation = .tanh
        spec.model.gain = 0.5
        spec.training.optimizer.learningRate = 0.01
        spec.training.maxTrials = 10_000
        spec.training.evalEvery = 1_000
        spec.training.stopAtCriterion = false
        spec.seed = 2
        let task = try TaskRegistry.standard.make(spec.task, parameters: spec.taskParameters)
        var options = FixedPointOptions()
        options.starts = 48
        let probe = GeometryProbe(task: task, size: 16, seed: spec.seed, options: options)
        let streams = RunStreams(seed: spec.seed)
        var model = spec.model.makeModel(inputSize: 3, outputSize: 3, rng: streams.initialization)
        let rule = try RuleRegistry.standard.make(spec.rule, model: model, objective: Objective(lossKind: .mse), batchSize: 32, maxSteps: 50)
        var snapshots: [GeometrySnapshot] = []
        var failure: Error?
        let result = Trainer.train(model: &model, task: task, rule: rule, config: spec.training, streams: streams, checkpoint: { trials, m, e in
            do { snapshots.append(try probe.snapshot(model: m, trials: trials, loss: e.loss)) } catch { failure = error }
        })
        XCTAssertNil(failure)
        XCTAssertEqual(snapshots.map(\.trials), result.curve.map(\.trials))
        let first = try XCTUnwrap(snapshots.first), last = try XCTUnwrap(snapshots.last)
        XCTAssertEqual(first.stableFixedPoints, 1)
        XCTAssertEqual(first.unstableFixedPoints, 0)
        XCTAssertGreaterThanOrEqual(last.stableFixedPoints, 2)
        XCTAssertGreaterThanOrEqual(result.final.accuracy, 0.9)
        let events = GeometricRestructuring.events(snapshots)
        XCTAssertTrue(events.contains { $0.changes.contains(.attractors) })
        // A snapshot depends only on the weights and the probe's seed.
        XCTAssertEqual(try probe.snapshot(model: model, trials: 1), try probe.snapshot(model: model, trials: 1))
    }
}

/// A deterministic generator for shuffling test inputs.
private struct SplitMixGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
