import XCTest
@testable import Plasticity
@testable import PlasticityAnalysis

final class FixedPointTests: XCTestCase {
    /// Two decoupled tanh neurons with self-excitation w: each has fixed points 0 (unstable when w > 1)
    /// and ±h* with h* = tanh(w h*) (stable), so the pair has 9 fixed points, of which 4 are stable.
    func decoupledPair(w: Double, tau: Double) -> LeakyRNN {
        var c = LeakyRNNConfig(inputSize: 1, hiddenSize: 2, outputSize: 1)
        c.activation = .tanh
        c.selfConnections = true
        var p = [Double](repeating: 0, count: LeakyRNN.makeLayout(c).count)
        let layout = LeakyRNN.makeLayout(c)
        p[layout["W"].offset] = w
        p[layout["W"].offset + 3] = w
        for i in layout["tau"].range { p[i] = tau }
        return LeakyRNN(config: c, parameters: p)
    }

    /// h* > 0 with h* = tanh(w h*), by bisection.
    func nonzeroRoot(w: Double) -> Double {
        var lo = 1e-3, hi = 1.0
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if tanh(w * mid) - mid > 0 { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }

    func testRecoversTheNineFixedPointsOfADecoupledPairWithTheirStability() throws {
        let w = 2.0, tau = 2.0
        let model = decoupledPair(w: w, tau: tau)
        let hStar = nonzeroRoot(w: w)
        let rng = RandomSource(seed: 1, stream: "starts")
        let starts = (0..<200).map { _ in [rng.uniform(-1.5, 1.5), rng.uniform(-1.5, 1.5)] }
        let points = try FixedPointFinder.find(model: model, starts: starts)
        let fixed = points.filter(\.isFixed)
        XCTAssertEqual(fixed.count, 9)
        let alpha = 1 / tau
        for a in [-hStar, 0, hStar] {
            for b in [-hStar, 0, hStar] {
                guard let p = fixed.min(by: { FixedPointFinder.distance($0.state, [a, b]) < FixedPointFinder.distance($1.state, [a, b]) }) else {
                    return XCTFail("no fixed points")
                }
                XCTAssertLessThan(FixedPointFinder.distance(p.state, [a, b]), 1e-6, "(\(a), \(b))")
                // Decoupled: the Jacobian is diagonal, 1 - alpha + alpha w f'(w h_j) per neuron.
                let expected = [a, b].map { 1 - alpha + alpha * w * (1 - tanh(w * $0) * tanh(w * $0)) }
                XCTAssertEqual(p.eigenvaluesReal.sorted()[0], expected.sorted()[0], accuracy: 1e-6)
                XCTAssertEqual(p.eigenvaluesReal.sorted()[1], expected.sorted()[1], accuracy: 1e-6)
                XCTAssertEqual(p.eigenvaluesImaginary, [0, 0])
                XCTAssertEqual(p.isStable, a != 0 && b != 0, "(\(a), \(b))")
                XCTAssertEqual(p.unstableDirections, [a, b].filter { $0 == 0 }.count)
            }
        }
        XCTAssertEqual(AttractorCounts(points), AttractorCounts(stableFixedPoints: 4, unstableFixedPoints: 5, slowPoints: points.count - 9))
    }

    func testSelfExcitationBelowOneLeavesOnlyTheOrigin() throws {
        let model = decoupledPair(w: 0.5, tau: 3)
        let rng = RandomSource(seed: 2, stream: "starts")
        let starts = (0..<30).map { _ in [rng.uniform(-2, 2), rng.uniform(-2, 2)] }
        let fixed = try FixedPointFinder.find(model: model, starts: starts).filter(\.isFixed)
        XCTAssertEqual(fixed.count, 1)
        XCTAssertLessThan(FixedPointFinder.distance(fixed[0].state, [0, 0]), 1e-6)
        XCTAssertTrue(fixed[0].isStable)
        XCTAssertEqual(fixed[0].spectralRadius, 1 - 1.0 / 3 + 0.5 / 3, accuracy: 1e-9)
    }

    /// One self-exciting tanh neuron just past a saddle-node bifurcation: h = tanh(2h + b) has lost its
    /// negative pair of fixed points (at b_c = w/√2 - atanh(1/√2) ≈ 0.5328 they merge at h = -1/√2), leaving
    /// a ghost there: a local minimum of q with small positive q — a slow point — beside the one attractor.
    func testGhostOfASaddleNodeIsASlowPoint() throws {
        var c = LeakyRNNConfig(inputSize: 1, hiddenSize: 1, outputSize: 1)
        c.activation = .tanh
        c.selfConnections = true
        let layout = LeakyRNN.makeLayout(c)
        var p = [Double](repeating: 0, count: layout.count)
        let w = 2.0, bCritical = w / 2.0.squareRoot() - atanh(1 / 2.0.squareRoot())  // where f' w = 1 and h = f(w h + b)
        p[layout["W"].offset] = w
        p[layout["b"].offset] = bCritical + 0.002
        p[layout["tau"].offset] = 2
        let model = LeakyRNN(config: c, parameters: p)
        let starts = stride(from: -1.5, through: 1.5, by: 0.1).map { [$0] }
        let points = try FixedPointFinder.find(model: model, starts: starts)
        let fixed = points.filter(\.isFixed), slow = points.filter { !$0.isFixed }
        XCTAssertEqual(fixed.count, 1)
        XCTAssertGreaterThan(fixed[0].state[0], 0.9)
        XCTAssertTrue(fixed[0].isStable)
        XCTAssertEqual(slow.count, 1)
        XCTAssertEqual(slow[0].state[0], -1 / 2.0.squareRoot(), accuracy: 0.05)
        XCTAssertGreaterThan(slow[0].speed, 1e-10)
        XCTAssertLessThan(slow[0].speed, 1e-6)
    }

    func testSpeedGradientAndJacobianMatchFiniteDifferences() throws {
        var c = LeakyRNNConfig(inputSize: 2, hiddenSize: 6, outputSize: 1)
        c.activation = .tanh
        c.gain = 1.8
        c.tauRange = 1.5...4
        let model = LeakyRNN(config: c, rng: RandomSource(seed: 3, stream: "init"))
        let map = StepMap(model: model, input: [0.3, -0.7])
        let rng = RandomSource(seed: 3, stream: "h")
        let h = (0..<6).map { _ in rng.gaussian(sigma: 0.5) }
        var g = [Double](repeating: 0, count: 6)
        _ = h.withUnsafeBufferPointer { hp in g.withUnsafeMutableBufferPointer { map.evaluate(hp.baseAddress!, gradient: $0.baseAddress!) } }
        let jac = map.jacobian(h)
        let eps = 1e-6
        var diff = 0.0, norm = 0.0
        for i in 0..<6 {
            var up = h, down = h
            up[i] += eps
            down[i] -= eps
            let fd = (map.speed(up) - map.speed(down)) / (2 * eps)
            diff += (fd - g[i]) * (fd - g[i])
            norm += fd * fd
            let column = zip(map.step(up), map.step(down)).map { ($0 - $1) / (2 * eps) }
            for r in 0..<6 { XCTAssertEqual(jac[r, i], column[r], accuracy: 1e-8) }
        }
        XCTAssertLessThan(diff.squareRoot() / norm.squareRoot(), 1e-6)
    }

    func testInitialStatesComeFromTheTrajectory() throws {
        let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 10])
        var c = LeakyRNNConfig(inputSize: 3, hiddenSize: 4, outputSize: 3)
        c.activation = .tanh
        let model = LeakyRNN(config: c, rng: RandomSource(seed: 4, stream: "init"))
        let batch = task.batch(size: 2, using: RandomSource(seed: 4, stream: "data"))
        var tr = model.makeTrajectory(capacity: 10, batch: 2)
        model.forward(batch.inputs, into: &tr)
        let starts = FixedPointFinder.initialStates(from: tr, count: 5, noise: 0, rng: RandomSource(seed: 4, stream: "s"))
        XCTAssertEqual(starts.count, 5)
        for s in starts {
            let match = (1...10).contains { t in (0..<2).contains { b in (0..<4).allSatisfy { tr.states[t, b, $0] == s[$0] } } }
            XCTAssertTrue(match)
        }
        let again = FixedPointFinder.initialStates(from: tr, count: 5, noise: 0.1, rng: RandomSource(seed: 4, stream: "s"))
        XCTAssertEqual(again, FixedPointFinder.initialStates(from: tr, count: 5, noise: 0.1, rng: RandomSource(seed: 4, stream: "s")))
    }
}
