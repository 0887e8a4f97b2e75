import XCTest
@testable import Plasticity
@testable import PlasticityAnalysis

final class GeometricRestructuringTests: XCTestCase {
    func snap(_ trials: Int, stable: Int, unstable: Int = 0, pr: Double, cycles: Int? = nil) -> GeometrySnapshot {
        GeometrySnapshot(trials: trials, stableFixedPoints: stable, unstableFixedPoints: unstable, slowPoints: 0,
                         participationRatio: pr, dimension90: 1,
                         cycles: cycles.map { CycleCounts(stable: $0, periods: Array(repeating: 2, count: $0), aperiodicTrajectories: 0) })
    }

    func testDetectsStableUnstableAndParticipationRatioChanges() {
        let snapshots = [
            snap(0, stable: 1, pr: 2.0),
            snap(500, stable: 1, pr: 2.2),              // +10%: below the 25% jump
            snap(1_000, stable: 1, unstable: 2, pr: 2.3),  // saddles appear, and stay
            snap(1_500, stable: 3, unstable: 2, pr: 3.2),  // new attractors and a PR jump, both lasting
            snap(2_000, stable: 3, unstable: 2, pr: 3.1),
        ]
        var generator = SplitMixGenerator(state: 42)  // the detector sorts by trials itself
        let events = GeometricRestructuring.events(snapshots.shuffled(using: &generator))
        XCTAssertEqual(events.map(\.trials), [1_000, 1_500])
        XCTAssertEqual(events[0].changes, [.unstableFixedPoints])
        XCTAssertEqual(events[0].previousTrials, 500)
        XCTAssertEqual(events[1].changes, [.stableFixedPoints, .participationRatio])
        XCTAssertEqual(events[1].participationRatioChange, 0.9 / 2.3, accuracy: 1e-12)
        var config = GRDetectorConfig()
        config.participationRatioJump = 0.05
        config.stabilityChanges = false
        XCTAssertEqual(GeometricRestructuring.events(snapshots, config: config).map(\.trials), [500, 1_500])
        XCTAssertEqual(GeometricRestructuring.events([snap(0, stable: 1, pr: 2)]), [])
    }

    /// A change must last `persistence` snapshots: a count that flips and flips back is noise.
    func testChangesMustPersist() {
        let counts = [3, 4, 3, 3, 5, 5, 5, 6, 5, 5, 7]
        let snapshots = counts.enumerated().map { snap($0.offset * 100, stable: 1, unstable: $0.element, pr: 2) }
        // 3 → 4 → 3: noise; 3 → 5 lasts (at 400); 5 → 6 → 5: noise; 5 → 7 at the last snapshot: unconfirmed.
        XCTAssertEqual(GeometricRestructuring.events(snapshots).map(\.trials), [400])
        XCTAssertEqual(GeometricRestructuring.persistentChanges(counts, persistence: 2), [4])
        XCTAssertEqual(GeometricRestructuring.persistentChanges(counts, persistence: 3), [4])
        XCTAssertEqual(GeometricRestructuring.persistentChanges([1, 2, 2, 3, 3, 3], persistence: 3), [3], "2 lasted only 2 snapshots")
        XCTAssertEqual(GeometricRestructuring.persistentChanges([1, 2, 3, 3], persistence: 2), [2], "measured from the last lasting value")
        var every = GRDetectorConfig()
        every.persistence = 1
        XCTAssertEqual(GeometricRestructuring.events(snapshots, config: every).map(\.trials), [100, 200, 400, 700, 800, 1_000],
                       "persistence 1: every flip, the detector before issue 9")
        // A PR spike that returns is no event; a jump that stays is one.
        let spike = [2.0, 3.0, 2.0, 2.1, 3.0, 3.1].enumerated().map { snap($0.offset * 100, stable: 1, pr: $0.element) }
        let prEvents = GeometricRestructuring.events(spike)
        XCTAssertEqual(prEvents.map(\.trials), [400])
        XCTAssertEqual(prEvents[0].changes, [.participationRatio])
    }

    /// Changes in the number of stable cycles are their own kind, detected only where every snapshot was searched.
    func testCycleChangesAreAKind() {
        let searched = [0, 0, 1, 1, 1].enumerated().map { snap($0.offset * 10, stable: 2, pr: 2, cycles: $0.element) }
        let events = GeometricRestructuring.events(searched)
        XCTAssertEqual(events.map(\.trials), [20])
        XCTAssertEqual(events[0].changes, [.stableCycles])
        XCTAssertTrue(events[0].involves(GRChange.headlineDefault))
        var partly = searched
        partly[0].cycles = nil
        XCTAssertEqual(GeometricRestructuring.events(partly), [], "a file without cycles in some snapshot: the kind is not compared")
        var off = GRDetectorConfig()
        off.cycleChanges = false
        XCTAssertEqual(GeometricRestructuring.events(searched, config: off), [])
    }

    func testDetectorSettingsAreValidated() {
        var config = GRDetectorConfig()
        config.participationRatioJump = 0
        XCTAssertThrowsError(try config.validate()) { XCTAssertEqual("\($0)", "pr-jump: value 0 out of range; valid: > 0") }
        config = GRDetectorConfig()
        config.persistence = 0
        XCTAssertThrowsError(try config.validate()) { XCTAssertTrue("\($0)".contains("persistence")) }
    }

    /// Settings stored before issue 9 (no persistence, kinds or window) decode with the defaults.
    func testOldDetectorSettingsDecode() throws {
        let old = #"{"participationRatioJump":0.5,"attractorChanges":true,"stabilityChanges":false}"#
        let config = try JSONDecoder().decode(GRDetectorConfig.self, from: Data(old.utf8))
        XCTAssertEqual(config.participationRatioJump, 0.5)
        XCTAssertFalse(config.stabilityChanges)
        XCTAssertEqual(config.persistence, 2)
        XCTAssertEqual(config.headline, [.stableFixedPoints, .stableCycles])
        let analysis = try JSONDecoder().decode(GeometryAnalysis.self, from: Data(#"{"every":2,"starts":8,"probeTrials":4,"paths":1,"detector":\#(old)}"#.utf8))
        XCTAssertNil(analysis.cycles, "an analysis stored before the cycle search did not search")
        XCTAssertEqual(analysis.every, 2)
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
        let probe = GeometryProbe(task: task, size: 16, seed: spec.seed, options: options, cycleOptions: nil)
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
        XCTAssertTrue(events.contains { $0.changes.contains(.stableFixedPoints) })
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
