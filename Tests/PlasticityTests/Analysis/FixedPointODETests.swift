import Foundation
import XCTest
@testable import Plasticity
@testable import PlasticityAnalysis

/// The fixed points of the map F are equilibria of the ODE dh/dt = F(h) - h whose unit Euler step the
/// map is: their residual ||F(h) - h||₂, and their stability under the ODE (eigenvalues of J - I) beside
/// the map's (|lambda(J)| < 1), checked on networks with known eigenvalues and against `LeakyODE`.
final class FixedPointODETests: XCTestCase {
    /// A ReLU leaky network with tau = 2 (alpha = 1/2) whose fixed point is h* = (1, …, 1) in the
    /// positive (linear) region: b = (I - W) h*, so a* = W h* + b = h* > 0, and around h* the map is
    /// exactly linear, F(h) = h* + J (h - h*) with J = (1 - alpha) I + alpha W.
    func linearLeaky(_ w: [[Double]], tau: Double = 2) -> LeakyRNN {
        let n = w.count
        var c = LeakyRNNConfig(inputSize: 1, hiddenSize: n, outputSize: 1)
        c.activation = .relu
        c.selfConnections = true
        let layout = LeakyRNN.makeLayout(c)
        var p = [Double](repeating: 0, count: layout.count)
        for r in 0..<n {
            for col in 0..<n { p[layout["W"].offset + r * n + col] = w[r][col] }
            p[layout["b"].offset + r] = 1 - w[r].reduce(0, +)
            p[layout["tau"].offset + r] = tau
        }
        return LeakyRNN(config: c, parameters: p)
    }

    /// Starts near h* (inside the linear region, so the search sees the linear map only).
    func starts(_ n: Int, count: Int = 6) -> [[Double]] {
        let rng = RandomSource(seed: 9, stream: "starts")
        return (0..<count).map { _ in (0..<n).map { _ in 1 + rng.uniform(-0.2, 0.2) } }
    }

    func sortedPairs(_ re: [Double], _ im: [Double]) -> [(Double, Double)] {
        zip(re, im).sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
    }

    /// Map eigenvalues 1.2 e^{±2πi/3} = -0.6 ± 1.0392i and -1.5 (|lambda| > 1: unstable for the map, its unit
    /// step overshoots), field eigenvalues lambda - 1 = -1.6 ± 1.0392i and -2.5 (stable for the ODE). With
    /// alpha = 1/2, W = 2 J - I: a rotation block with eigenvalues -2.2 ± 2.0785i and a self-weight -4.
    /// Integrated, the ODE returns to h* while the map runs away from it.
    func testLinearNetworkStableAsODEButNotAsMap() throws {
        let s = 2 * 1.2 * sin(2 * Double.pi / 3)
        let model = linearLeaky([[-2.2, -s, 0], [s, -2.2, 0], [0, 0, -4]])
        let points = try FixedPointFinder.find(model: model, starts: starts(3))
        XCTAssertEqual(points.count, 1)
        let p = try XCTUnwrap(points.first)
        XCTAssertTrue(p.isFixed)
        for j in 0..<3 { XCTAssertEqual(p.state[j], 1, accuracy: 1e-10) }
        let imag = 1.2 * sin(2 * Double.pi / 3)
        let mapExpected = [(-1.5, 0.0), (-0.6, -imag), (-0.6, imag)]
        let odeExpected = [(-2.5, 0.0), (-1.6, -imag), (-1.6, imag)]
        for (got, want) in zip(sortedPairs(p.eigenvaluesReal, p.eigenvaluesImaginary), mapExpected) {
            XCTAssertEqual(got.0, want.0, accuracy: 1e-10)
            XCTAssertEqual(got.1, want.1, accuracy: 1e-10)
        }
        for (got, want) in zip(sortedPairs(p.odeEigenvaluesReal, p.odeEigenvaluesImaginary), odeExpected) {
            XCTAssertEqual(got.0, want.0, accuracy: 1e-10)
            XCTAssertEqual(got.1, want.1, accuracy: 1e-10)
        }
        XCTAssertEqual(p.spectralRadius, 1.5, accuracy: 1e-10)
        XCTAssertFalse(p.isStable)
        XCTAssertEqual(p.unstableDirections, 3)
        XCTAssertTrue(p.isStableUnderODE)
        XCTAssertEqual(p.odeUnstableDirections, 0)
        XCTAssertEqual(p.odeSpectralAbscissa, -1.6, accuracy: 1e-10)
        XCTAssertTrue(p.stabilityDisagrees)
        XCTAssertEqual(ODEStabilityCounts(points), ODEStabilityCounts(stableFixedPoints: 1, disagreements: 1, largestResidual: p.odeResidual))
        XCTAssertEqual(AttractorCounts(points), AttractorCounts(stableFixedPoints: 0, unstableFixedPoints: 1, slowPoints: 0))

        // From h* + 0.02·(1, -1, 1): 10 units of the ODE bring the state back (decay e^{-16}); 10 map
        // steps carry it away (growth 1.5^10 ≈ 58).
        let start = [1.02, 0.98, 1.02]
        let ode = try LeakyODE(model: model, batch: 1, stepper: .rk8pd)
        let states = try ode.integrate(Tensor3(steps: 10, batch: 1, width: 1), initialState: start)
        let end = (0..<3).map { states[10, 0, $0] }
        XCTAssertLessThan(FixedPointFinder.distance(end, p.state), 1e-6)
        let map = StepMap(model: model)
        var h = start
        for _ in 0..<10 { h = map.step(h) }
        XCTAssertGreaterThan(FixedPointFinder.distance(h, p.state), 10 * FixedPointFinder.distance(start, p.state))
    }

    /// A self-weight 2 (map eigenvalue 1.5, field 0.5) is unstable under both; a self-weight 0 (0.5 and
    /// -0.5) stable under both: no disagreement.
    func testStabilityAgreesWhenTheEigenvalueIsReal() throws {
        let points = try FixedPointFinder.find(model: linearLeaky([[2, 0], [0, 0]]), starts: starts(2))
        let p = try XCTUnwrap(points.first)
        XCTAssertEqual(points.count, 1)
        XCTAssertEqual(p.eigenvaluesReal.sorted()[0], 0.5, accuracy: 1e-10)
        XCTAssertEqual(p.eigenvaluesReal.sorted()[1], 1.5, accuracy: 1e-10)
        XCTAssertEqual(p.odeEigenvaluesReal.sorted()[0], -0.5, accuracy: 1e-10)
        XCTAssertEqual(p.odeEigenvaluesReal.sorted()[1], 0.5, accuracy: 1e-10)
        XCTAssertFalse(p.isStable)
        XCTAssertFalse(p.isStableUnderODE)
        XCTAssertEqual(p.odeUnstableDirections, 1)
        XCTAssertFalse(p.stabilityDisagrees)
        XCTAssertEqual(ODEStabilityCounts(points).disagreements, 0)
    }

    /// Nonlinear networks (random tanh leaky RNN at gain 2.5 and a PLRNN): every fixed point found has an
    /// ODE residual below the search's tolerance sqrt(2 · 1e-14) ≈ 1.4e-7, equal to sqrt(2q), and it is an
    /// equilibrium of the integrated ODE: GSL's rk8pd started there moves less than 1e-6 in one unit.
    func testFixedPointsOfNonlinearNetworksAreEquilibriaOfTheODE() throws {
        var c = LeakyRNNConfig(inputSize: 3, hiddenSize: 12, outputSize: 3)
        c.activation = .tanh
        c.gain = 2.5
        c.tauRange = 1...3
        let leaky = LeakyRNN(config: c, rng: RandomSource(seed: 11, stream: "init"))
        let plrnn = LocalModels.make(.plrnn, task: try TaskRegistry.standard.make("flipflop3"), hidden: 8, seed: 5)
        let options = FixedPointOptions()
        for model in [leaky as any LocalRecurrentModel, plrnn] {
            let n = model.hiddenSize
            let rng = RandomSource(seed: 12, stream: "starts")
            let starts = (0..<40).map { _ in (0..<n).map { _ in rng.gaussian(sigma: 0.8) } }
            let fixed = try FixedPointFinder.find(model: model, starts: starts, options: options).filter(\.isFixed)
            XCTAssertGreaterThanOrEqual(fixed.count, model is LeakyRNN ? 3 : 1, "\(model.kind)")
            let ode = try LeakyODE(model: model, batch: 1, stepper: .rk8pd, absoluteTolerance: 1e-12, relativeTolerance: 1e-12)
            let map = StepMap(model: model)
            for p in fixed {
                XCTAssertLessThanOrEqual(p.odeResidual, (2 * options.fixedTolerance).squareRoot(), "\(model.kind)")
                XCTAssertEqual(p.odeResidual, (2 * p.speed).squareRoot(), accuracy: 1e-22 + 1e-12 * p.odeResidual)
                let field = map.velocity(p.state)
                XCTAssertEqual(field.reduce(0) { $0 + $1 * $1 }.squareRoot(), p.odeResidual)
                let states = try ode.integrate(Tensor3(steps: 1, batch: 1, width: model.inputSize), initialState: p.state)
                let drift = FixedPointFinder.distance((0..<n).map { states[1, 0, $0] }, p.state)
                XCTAssertLessThan(drift, 1e-6, "\(model.kind)")
                // Map-stable implies ODE-stable.
                if p.isStable { XCTAssertTrue(p.isStableUnderODE) }
            }
        }
    }

    /// The vector field's Jacobian J - I against central differences of the field F(h) - h (entrywise,
    /// relative 1e-6), and its eigenvalues against those of the finite-difference Jacobian and against
    /// the map's minus 1, at the fixed points of a random tanh network and of a PLRNN.
    func testFieldJacobianAndItsEigenvaluesMatchFiniteDifferences() throws {
        var c = LeakyRNNConfig(inputSize: 2, hiddenSize: 8, outputSize: 1)
        c.activation = .tanh
        c.gain = 2
        c.tauRange = 1.5...4
        let leaky = LeakyRNN(config: c, rng: RandomSource(seed: 13, stream: "init"))
        let plrnn = LocalModels.make(.plrnn, task: try TaskRegistry.standard.make("flipflop3"), hidden: 6, seed: 3)
        for model in [leaky as any LocalRecurrentModel, plrnn] {
            let n = model.hiddenSize, eps = 1e-6
            let rng = RandomSource(seed: 14, stream: "starts")
            let starts = (0..<20).map { _ in (0..<n).map { _ in rng.gaussian(sigma: 0.8) } }
            let fixed = try FixedPointFinder.find(model: model, starts: starts).filter(\.isFixed)
            XCTAssertFalse(fixed.isEmpty)
            let map = StepMap(model: model)
            for p in fixed {
                let analytic = map.fieldJacobian(p.state)
                var numeric = Matrix(rows: n, cols: n)
                var worst = 0.0, scale = 0.0
                for col in 0..<n {
                    var up = p.state, down = p.state
                    up[col] += eps
                    down[col] -= eps
                    let vUp = map.velocity(up), vDown = map.velocity(down)
                    for r in 0..<n {
                        numeric[r, col] = (vUp[r] - vDown[r]) / (2 * eps)
                        worst = max(worst, abs(numeric[r, col] - analytic[r, col]))
                        scale = max(scale, abs(numeric[r, col]))
                    }
                }
                XCTAssertLessThan(worst / scale, 1e-6, "\(model.kind)")
                let fd = try Eigen.nonsymmetric(numeric)
                let want = sortedPairs(fd.map(\.re), fd.map(\.im))
                let got = sortedPairs(p.odeEigenvaluesReal, p.odeEigenvaluesImaginary)
                let shifted = sortedPairs(p.eigenvaluesReal.map { $0 - 1 }, p.eigenvaluesImaginary)
                for i in 0..<n {
                    XCTAssertEqual(got[i].0, want[i].0, accuracy: 1e-6, "\(model.kind)")
                    XCTAssertEqual(got[i].1, want[i].1, accuracy: 1e-6, "\(model.kind)")
                    XCTAssertEqual(got[i].0, shifted[i].0, accuracy: 1e-10, "\(model.kind)")
                    XCTAssertEqual(got[i].1, shifted[i].1, accuracy: 1e-10, "\(model.kind)")
                }
            }
        }
    }

    /// GRU and LSTM have no vector field: asking for their fixed points says so.
    func testGatedModelsHaveNoVectorField() throws {
        let gru = GRU(config: GRUConfig(inputSize: 1, hiddenSize: 4, outputSize: 1), rng: RandomSource(seed: 1, stream: "init"))
        let lstm = LSTM(config: LSTMConfig(inputSize: 1, hiddenSize: 4, outputSize: 1), rng: RandomSource(seed: 1, stream: "init"))
        for (kind, model) in [(ModelKind.gru, gru as any RecurrentModel), (.lstm, lstm)] {
            XCTAssertThrowsError(try FixedPointFinder.find(model: model, starts: [[0, 0, 0, 0]])) { error in
                let message = "\(error)"
                XCTAssertTrue(message.contains("no vector field") && message.contains("'\(kind.rawValue)'") && message.contains("leaky"), message)
            }
        }
    }
}
