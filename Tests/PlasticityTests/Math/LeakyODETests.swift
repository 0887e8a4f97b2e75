import Foundation
import XCTest
@testable import Plasticity

final class LeakyODETests: XCTestCase {
    func inputs(steps: Int, batch: Int, width: Int, seed: UInt64) -> Tensor3 {
        var x = Tensor3(steps: steps, batch: batch, width: width)
        let rng = RandomSource(seed: seed, stream: "x")
        for i in x.data.indices { x.data[i] = rng.gaussian() }
        return x
    }

    /// Linear f and a diagonal W decouple the neurons: on each unit interval with constant input,
    /// tau dh/dt = (w - 1) h + c has h(s) = (h + c/(w-1)) e^{(w-1)s/tau} - c/(w-1), exactly.
    func testLinearDecoupledSystemMatchesTheAnalyticSolution() throws {
        var c = LeakyRNNConfig(inputSize: 2, hiddenSize: 3, outputSize: 1)
        c.selfConnections = true
        c.tauRange = 1.5...4
        var model = LeakyRNN(config: c, rng: RandomSource(seed: 1, stream: "init"))
        let w = model.layout["W"], n = 3
        let selfWeights = [0.4, -0.7, 1.3]  // the last one grows: e^{0.3 s/tau}
        for i in 0..<n { for j in 0..<n { model.parameters[w.offset + i * n + j] = i == j ? selfWeights[i] : 0 } }
        for (j, i) in model.layout["b"].range.enumerated() { model.parameters[i] = [0.2, -0.1, 0.05][j] }
        let x = inputs(steps: 8, batch: 2, width: 2, seed: 1)
        let initial = [0.3, -0.2, 0.1, 0.0, 0.5, -0.4]
        let tau = model.group("tau"), u = model.group("U"), b = model.group("b")
        for stepper in ODEStepper.allCases {
            let ode = try LeakyODE(model: model, batch: 2, linear: true, stepper: stepper,
                                   absoluteTolerance: 1e-13, relativeTolerance: 1e-13)
            let states = try ode.integrate(x, initialState: initial)
            var worst = 0.0
            for bi in 0..<2 {
                for j in 0..<n {
                    var h = initial[bi * n + j]
                    for k in 0..<x.steps {
                        let drive = (0..<2).map { u[j * 2 + $0] * x[k, bi, $0] }.reduce(0, +) + b[j]
                        let lambda = (selfWeights[j] - 1) / tau[j], fixed = -drive / (selfWeights[j] - 1)
                        h = (h - fixed) * exp(lambda) + fixed
                        worst = max(worst, abs(states[k + 1, bi, j] - h))
                    }
                }
            }
            XCTAssertLessThan(worst, 1e-8, "\(stepper.rawValue): max error \(worst)")
        }
    }

    /// Forward Euler with step dt (the discrete model with tau/dt and each input repeated 1/dt times)
    /// converges to the GSL solution at first order: halving dt halves the error.
    func testForwardEulerConvergesToTheODESolutionAtFirstOrder() throws {
        var c = LeakyRNNConfig(inputSize: 2, hiddenSize: 6, outputSize: 1)
        c.activation = .tanh
        c.gain = 1.3
        c.tauRange = 1.5...3
        let model = LeakyRNN(config: c, rng: RandomSource(seed: 2, stream: "init"))
        let x = inputs(steps: 10, batch: 2, width: 2, seed: 2)
        let reference = try LeakyODE(model: model, batch: 2, stepper: .rk8pd).integrate(x)
        var errors: [Double] = []
        for substeps in [4, 8, 16, 32, 64] {
            var fine = model
            for i in fine.layout["tau"].range { fine.parameters[i] *= Double(substeps) }
            var repeated = Tensor3(steps: x.steps * substeps, batch: 2, width: 2)
            for k in 0..<x.steps { for s in 0..<substeps { for bi in 0..<2 { for d in 0..<2 {
                repeated[k * substeps + s, bi, d] = x[k, bi, d]
            } } } }
            var tr = fine.makeTrajectory(capacity: repeated.steps, batch: 2)
            fine.forward(repeated, into: &tr)
            var worst = 0.0
            for k in 0...x.steps { for bi in 0..<2 { for j in 0..<6 {
                worst = max(worst, abs(tr.states[k * substeps, bi, j] - reference[k, bi, j]))
            } } }
            errors.append(worst)
        }
        XCTAssertLessThan(errors.last!, 1e-2, "\(errors)")
        for (coarse, finer) in zip(errors, errors.dropFirst()) {
            XCTAssertEqual(coarse / finer, 2, accuracy: 0.35, "errors \(errors)")
        }
        // The two adaptive steppers agree with each other far below the Euler error.
        let rkf45 = try LeakyODE(model: model, batch: 2, stepper: .rkf45).integrate(x)
        let gap = zip(rkf45.data, reference.data).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(gap, 1e-8)
    }

    func testGSLFailureAndBadSettingsAreErrorsNotCrashes() throws {
        let c = LeakyRNNConfig(inputSize: 1, hiddenSize: 4, outputSize: 1)
        let model = LeakyRNN(config: c, rng: RandomSource(seed: 3, stream: "init"))
        let x = inputs(steps: 3, batch: 1, width: 1, seed: 3)
        let starved = try LeakyODE(model: model, batch: 1, absoluteTolerance: 1e-14, relativeTolerance: 1e-14, maxStepsPerUnit: 1)
        XCTAssertThrowsError(try starved.integrate(x)) { XCTAssertTrue($0 is GSLError, "\($0)") }
        XCTAssertThrowsError(try LeakyODE(model: model, batch: 1, absoluteTolerance: 0)) {
            XCTAssertEqual("\($0)", "absolute-tolerance: value 0 out of range; valid: > 0")
        }
    }
}
