import Foundation
import XCTest
@testable import Plasticity
@testable import PlasticityAnalysis

/// The pieces every `LocalRecurrentModel` writes once (its update and local derivatives), checked on
/// every such model through what is built on them: the one-step map's Jacobian and the speed's
/// gradient against finite differences, fixed points, and short-term plasticity's fast-weight seam.
final class LocalModelInterfaceTests: XCTestCase {
    func model(_ kind: ModelKind, seed: UInt64) throws -> any LocalRecurrentModel {
        LocalModels.make(kind, task: try TaskRegistry.standard.make("flipflop3"), hidden: 6, seed: seed)
    }

    /// A state away from the ReLU kink (|h_j| >= 0.1).
    func state(_ n: Int, seed: UInt64) -> [Double] {
        let rng = RandomSource(seed: seed, stream: "h")
        return (0..<n).map { _ in let v = rng.gaussian(sigma: 0.5); return v >= 0 ? v + 0.1 : v - 0.1 }
    }

    /// The buffer forms of φ and φ' (what the analyses call through the existential) equal the
    /// per-value ones, value for value, on both sides of the ReLU kink and at ±0.
    func testBufferRatesEqualPerValueRates() throws {
        let values = [-2.5, -0.1, -0.0, 0.0, 1e-300, 0.3, 4.0, -1e-12, .infinity, -.infinity]
        for kind in ModelKind.local {
            let m = try model(kind, seed: 1)
            var rates = [Double](repeating: .nan, count: values.count), slopes = rates
            values.withUnsafeBufferPointer { h in
                rates.withUnsafeMutableBufferPointer { m.applyRate(h.baseAddress!, into: $0.baseAddress!, count: values.count) }
                slopes.withUnsafeMutableBufferPointer { m.applyRateSlope(h.baseAddress!, into: $0.baseAddress!, count: values.count) }
            }
            XCTAssertEqual(rates.map(\.bitPattern), values.map { m.rate($0).bitPattern }, "\(kind)")
            XCTAssertEqual(slopes.map(\.bitPattern), values.map { m.rateSlope($0).bitPattern }, "\(kind)")
        }
    }

    /// J = diag(leak) + diag(gain) W diag(φ') against central differences of F, and the speed's
    /// gradient (J - I)^T (F(h) - h) against central differences of q, on every model.
    func testStepMapJacobianAndSpeedGradientMatchFiniteDifferences() throws {
        for kind in ModelKind.local {
            let m = try model(kind, seed: 3)
            let map = StepMap(model: m, input: [0.4, -0.3, 0.2])
            let h = state(m.hiddenSize, seed: 3), n = m.hiddenSize, eps = 1e-6
            let jacobian = map.jacobian(h)
            var worst = 0.0, scale = 0.0
            for c in 0..<n {
                var up = h, down = h
                up[c] += eps
                down[c] -= eps
                let fUp = map.step(up), fDown = map.step(down)
                for r in 0..<n {
                    let fd = (fUp[r] - fDown[r]) / (2 * eps)
                    worst = max(worst, abs(fd - jacobian[r, c]))
                    scale = max(scale, abs(fd))
                }
            }
            XCTAssertLessThan(worst / scale, 1e-6, "\(kind) Jacobian")
            var gradient = [Double](repeating: 0, count: n)
            _ = h.withUnsafeBufferPointer { hp in gradient.withUnsafeMutableBufferPointer { map.evaluate(hp.baseAddress!, gradient: $0.baseAddress!) } }
            let fd = (0..<n).map { j -> Double in
                var up = h, down = h
                up[j] += eps
                down[j] -= eps
                return (map.speed(up) - map.speed(down)) / (2 * eps)
            }
            let error = zip(fd, gradient).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
            XCTAssertLessThan(error / fd.map { $0 * $0 }.reduce(0, +).squareRoot(), 1e-6, "\(kind) speed gradient")
            // The map is the model's step: one forward step from h_0 = 0 with input x equals F(0).
            let x = Tensor3(steps: 1, batch: 1, width: 3, data: [0.4, -0.3, 0.2])
            var tr = m.makeTrajectory(capacity: 1, batch: 1)
            m.forward(x, into: &tr)
            // (The forward pass forms U x with one gemm over all steps, the map once: equal to rounding.)
            let stepped = map.step([Double](repeating: 0, count: n))
            for j in 0..<n { XCTAssertEqual(tr.states.data[n + j], stepped[j], accuracy: 1e-15, "\(kind)") }
        }
    }

    /// The fixed-point search runs on every local model; what it reports as fixed satisfies F(h) = h.
    func testFixedPointsOnEveryModel() throws {
        for kind in ModelKind.local {
            let m = try model(kind, seed: 5)
            let starts = (0..<8).map { state(m.hiddenSize, seed: 100 + UInt64($0)) }
            let points = try FixedPointFinder.find(model: m, starts: starts)
            let map = StepMap(model: m)
            for p in points where p.isFixed {
                let next = map.step(p.state)
                XCTAssertLessThan(zip(next, p.state).map { abs($0 - $1) }.max()!, 1e-6, "\(kind)")
            }
        }
    }

    /// Short-term plasticity on every local model: with eta = 0 its pass is the model's own bit for bit;
    /// with eta > 0 the fast weights change the dynamics and stay off the diagonal.
    func testShortTermPlasticityOnEveryModel() throws {
        let task = try TaskRegistry.standard.make("flipflop3", parameters: ["T": 15, "p": 0.3])
        for kind in ModelKind.local {
            let m = LocalModels.make(kind, task: task, seed: 7)
            let batch = task.batch(size: 3, using: RandomSource(seed: 7, stream: "data"))
            var plain = m.makeTrajectory(capacity: 15, batch: 3), fast = plain
            m.forward(batch.inputs, into: &plain)
            let still = ShortTermPlasticity(config: ShortTermPlasticityConfig(eta: 0, tauF: 5), batchSize: 3, hiddenSize: m.hiddenSize)
            still.forward(m, inputs: batch.inputs, into: &fast)
            XCTAssertEqual(fast.states, plain.states, "\(kind)")
            XCTAssertEqual(fast.outputs, plain.outputs, "\(kind)")
            let active = ShortTermPlasticity(config: ShortTermPlasticityConfig(eta: 0.5, tauF: 5), batchSize: 3, hiddenSize: m.hiddenSize)
            active.forward(m, inputs: batch.inputs, into: &fast)
            XCTAssertNotEqual(fast.states, plain.states, "\(kind)")
            let f = active.fastWeights(trial: 1)
            XCTAssertTrue(f.data.contains { $0 != 0 }, "\(kind)")
            for j in 0..<m.hiddenSize { XCTAssertEqual(f[j, j], 0, "\(kind): no autapses") }
        }
    }

    /// The ODE is the model's own step as a vector field, dh/dt = F(h) - h, for every local model. A PLRNN
    /// with W = 0 is linear and decoupled, dz_j/dt = (A_j - 1) z_j + c_j with c = C x + h0, so on each
    /// unit interval z(s) = (z - z*) e^{(A_j - 1) s} + z*, z* = -c_j / (A_j - 1), exactly.
    func testODEOfAPLRNNWithoutRecurrenceMatchesTheAnalyticSolution() throws {
        let task = try TaskRegistry.standard.make("flipflop3")
        let m = LocalModels.withoutRecurrence(LocalModels.make(.plrnn, task: task, hidden: 4, seed: 8))
        var x = Tensor3(steps: 6, batch: 2, width: 3)
        let rng = RandomSource(seed: 8, stream: "x")
        for i in x.data.indices { x.data[i] = rng.gaussian() }
        let states = try LeakyODE(model: m, batch: 2, absoluteTolerance: 1e-13, relativeTolerance: 1e-13).integrate(x)
        let a = m.group("A"), c = m.group("C"), h0 = m.group("h0")
        var worst = 0.0
        for b in 0..<2 {
            for j in 0..<4 {
                var z = 0.0
                for k in 0..<x.steps {
                    let drive = (0..<3).map { c[j * 3 + $0] * x[k, b, $0] }.reduce(0, +) + h0[j]
                    let rate = a[j] - 1, fixed = -drive / rate
                    z = (z - fixed) * exp(rate) + fixed
                    worst = max(worst, abs(states[k + 1, b, j] - z))
                }
            }
        }
        XCTAssertLessThan(worst, 1e-8, "max error \(worst)")
        XCTAssertGreaterThan(states.data.map(abs).max()!, 0.1, "not a trivial trajectory")
    }
}
