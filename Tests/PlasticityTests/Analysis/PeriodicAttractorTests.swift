import XCTest
@testable import Plasticity
@testable import PlasticityAnalysis

final class PeriodicAttractorTests: XCTestCase {
    /// Two tanh neurons with recurrent weights W = g [[a, -c], [c, a]] (a rotation scaled by g, plus
    /// self-coupling a when it is not 0), per-neuron tau.
    func pair(_ w: [Double], tau: Double) -> LeakyRNN {
        var c = LeakyRNNConfig(inputSize: 1, hiddenSize: 2, outputSize: 1)
        c.activation = .tanh
        c.selfConnections = true
        let layout = LeakyRNN.makeLayout(c)
        var p = [Double](repeating: 0, count: layout.count)
        for (i, v) in w.enumerated() { p[layout["W"].offset + i] = v }
        for i in layout["tau"].range { p[i] = tau }
        return LeakyRNN(config: c, parameters: p)
    }

    func starts(_ count: Int, seed: UInt64 = 1) -> [[Double]] {
        let rng = RandomSource(seed: seed, stream: "starts")
        return (0..<count).map { _ in [rng.uniform(-1, 1), rng.uniform(-1, 1)] }
    }

    /// x* > 0 with x* = tanh(g x*), by bisection.
    func root(_ g: Double) -> Double {
        var lo = 1e-3, hi = 1.0
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if tanh(g * mid) - mid > 0 { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }

    /// h' = tanh(g R h) with R a quarter turn (tau = 1): h = (a, b) goes to (-tanh(g b), tanh(g a)),
    /// so the corners (±x*, ±x*), x* = tanh(g x*), form one period-4 orbit, which attracts every
    /// start off the axes (its multiplier per coordinate is (g (1 - x*²))^4 << 1 at g = 2); the only
    /// fixed point is the origin, unstable (|lambda| = g).
    func testRotationNetworkHasOnePeriodFourCycleAndOnlyAnUnstableFixedPoint() throws {
        let g = 2.0
        let model = pair([0, -g, g, 0], tau: 1)
        let search = try PeriodicAttractorFinder.find(model: model, starts: starts(40))
        XCTAssertEqual(search.cycles.count, 1)
        XCTAssertEqual(search.periods, [4])
        XCTAssertEqual(search.cycles[0].trajectories, 40)
        XCTAssertEqual(search.fixedPointTrajectories, 0)
        XCTAssertEqual(search.aperiodicTrajectories, 0)
        let x = root(g)
        for state in search.cycles[0].states {
            XCTAssertEqual(abs(state[0]), x, accuracy: 1e-9)
            XCTAssertEqual(abs(state[1]), x, accuracy: 1e-9)
        }
        XCTAssertEqual(Set(search.cycles[0].states.map { [$0[0] > 0, $0[1] > 0] }).count, 4, "the four corners")
        let points = try FixedPointFinder.find(model: model, starts: starts(40)).filter(\.isFixed)
        XCTAssertEqual(points.count, 1)
        XCTAssertFalse(points[0].isStable)
    }

    /// A leaky rotation (tau = 2, g = 3: |lambda| = 0.5 sqrt(1 + g²) > 1 at the origin) settles on
    /// one attracting cycle, found from every start and merged into one.
    func testLeakyRotationNetworkHasOneCycle() throws {
        let g = 3.0
        let model = pair([0, -g, g, 0], tau: 2)
        let search = try PeriodicAttractorFinder.find(model: model, starts: starts(40))
        XCTAssertEqual(search.cycles.count, 1, "\(search.periods)")
        guard let cycle = search.cycles.first else { return }
        XCTAssertGreaterThanOrEqual(cycle.period, 2)
        XCTAssertEqual(cycle.trajectories, 40)
        XCTAssertEqual(search.fixedPointTrajectories, 0)
    }

    /// One neuron with w = -2, tau = 1: h' = tanh(-2 h) alternates ±x*: period 2.
    func testNegativeSelfCouplingGivesPeriodTwo() throws {
        var c = LeakyRNNConfig(inputSize: 1, hiddenSize: 1, outputSize: 1)
        c.activation = .tanh
        c.selfConnections = true
        let layout = LeakyRNN.makeLayout(c)
        var p = [Double](repeating: 0, count: layout.count)
        p[layout["W"].offset] = -2
        p[layout["tau"].offset] = 1
        let search = try PeriodicAttractorFinder.find(model: LeakyRNN(config: c, parameters: p), starts: [[0.3], [-0.7], [0.01]])
        XCTAssertEqual(search.periods, [2])
        XCTAssertEqual(search.cycles[0].trajectories, 3)
        XCTAssertEqual(abs(search.cycles[0].states[0][0]), root(2), accuracy: 1e-9)
    }

    /// Two decoupled self-exciting neurons (w = 2, tau = 2) have 4 stable fixed points and no cycle:
    /// every trajectory ends on a fixed point.
    func testNetworkWithOnlyFixedPointsHasNoCycles() throws {
        let model = pair([2, 0, 0, 2], tau: 2)
        let search = try PeriodicAttractorFinder.find(model: model, starts: starts(40))
        XCTAssertEqual(search.cycles, [])
        XCTAssertEqual(search.fixedPointTrajectories, 40)
        XCTAssertEqual(search.aperiodicTrajectories, 0)
    }

    /// The batched map is the model's own forward pass: from h_0 = 0 with input 0, T steps of
    /// `stepRows` give the states of `LeakyRNN.forward` (a random net, mixed tau, bias on).
    func testBatchedMapMatchesTheForwardPass() throws {
        var c = LeakyRNNConfig(inputSize: 2, hiddenSize: 7, outputSize: 1)
        c.activation = .tanh
        var model = LeakyRNN(config: c, rng: RandomSource(seed: 3, stream: "init"))
        for i in model.layout["b"].range { model.parameters[i] = 0.1 * Double(i % 3) - 0.1 }
        let steps = 12, batch = 2
        var trajectory = model.makeTrajectory(capacity: steps, batch: batch)
        model.forward(Tensor3(steps: steps, batch: batch, width: 2), into: &trajectory)
        let map = StepMap(model: model)
        var h = [Double](repeating: 0, count: batch * 7), scratch = StepMap.RowScratch(rows: batch, size: 7)
        for t in 1...steps {
            map.stepRows(&h, rows: batch, scratch: &scratch)
            for b in 0..<batch {
                for j in 0..<7 { XCTAssertEqual(h[b * 7 + j], trajectory.states[t, b, j], accuracy: 1e-12) }
            }
        }
    }

    /// A period longer than half the window is not found: the trajectories count as aperiodic.
    func testPeriodsBeyondTheWindowAreAperiodic() throws {
        var options = CycleOptions()
        options.window = 6  // periods up to 3
        let search = try PeriodicAttractorFinder.find(model: pair([0, -2, 2, 0], tau: 1), starts: starts(10), options: options)
        XCTAssertEqual(search.cycles, [])
        XCTAssertEqual(search.aperiodicTrajectories, 10)
        XCTAssertEqual(search.fixedPointTrajectories, 0)
    }

    /// A leaky rotation at tau = 1.5, g = 2 moves on an invariant circle whose rotation comes back
    /// within ε after 5 steps but not exactly: starts at different phases give period-5 orbits at
    /// different places on the circle, which are one attractor.
    func testQuasiPeriodicOrbitsOnOneCircleAreOneAttractor() throws {
        let search = try PeriodicAttractorFinder.find(model: pair([0, -2, 2, 0], tau: 1.5), starts: starts(40))
        XCTAssertEqual(search.periods, [5])
        XCTAssertEqual(search.cycles[0].trajectories, 40)
    }
}
