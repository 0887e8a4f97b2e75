import Foundation
import XCTest
@testable import Plasticity
@testable import PlasticityModels

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
            // The 8(9) pair meets the 1e-10; the others their tolerance's order.
            XCTAssertLessThan(worst, stepper == .rk8pd ? 1e-10 : 1e-8, "\(stepper.rawValue): max error \(worst)")
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

    /// Stiff: linear, decoupled, with decay rates from 1e-3 to ~1e3 per unit time (a strongly
    /// self-inhibiting neuron beside a slow one). The implicit stepper follows the analytic solution
    /// with few steps; an explicit one, held to the same step budget, gives up.
    func testStiffSystemIsSolvedByTheImplicitStepper() throws {
        var c = LeakyRNNConfig(inputSize: 1, hiddenSize: 3, outputSize: 1)
        c.selfConnections = true
        var model = LeakyRNN(config: c, rng: RandomSource(seed: 4, stream: "init"))
        let n = 3, w = model.layout["W"]
        let selfWeights = [-999.0, 0.0, 0.5], taus = [1.0, 1000.0, 10.0]
        for i in 0..<n { for j in 0..<n { model.parameters[w.offset + i * n + j] = i == j ? selfWeights[i] : 0 } }
        for (j, i) in model.layout["tau"].range.enumerated() { model.parameters[i] = taus[j] }
        for i in model.layout["b"].range { model.parameters[i] = 0.1 }
        let x = inputs(steps: 20, batch: 1, width: 1, seed: 4)
        let u = model.group("U")
        let implicit = try LeakyODE(model: model, batch: 1, linear: true, stepper: .msbdf,
                                    absoluteTolerance: 1e-10, relativeTolerance: 1e-10, maxStepsPerUnit: 150)
        let states = try implicit.integrate(x)
        var worst = 0.0
        for j in 0..<n {
            var h = 0.0
            for k in 0..<x.steps {
                let drive = u[j] * x[k, 0, 0] + 0.1
                let lambda = (selfWeights[j] - 1) / taus[j], fixed = -drive / (selfWeights[j] - 1)
                h = (h - fixed) * exp(lambda) + fixed
                worst = max(worst, abs(states[k + 1, 0, j] - h))
            }
        }
        XCTAssertLessThan(worst, 1e-7, "msbdf max error \(worst)")
        let explicit = try LeakyODE(model: model, batch: 1, linear: true, stepper: .rkf45,
                                    absoluteTolerance: 1e-10, relativeTolerance: 1e-10, maxStepsPerUnit: 150)
        XCTAssertThrowsError(try explicit.integrate(x)) { XCTAssertTrue($0 is GSLError, "\($0)") }
    }

    /// The vector field's hand-written Jacobian (used by the implicit stepper) against central
    /// differences of the field, for the leaky RNN and the PLRNN, two trials at once.
    func testVectorFieldJacobianMatchesCentralDifferences() throws {
        var leaky = LeakyRNNConfig(inputSize: 2, hiddenSize: 4, outputSize: 1)
        leaky.activation = .tanh
        var plrnn = PLRNNConfig(inputSize: 2, hiddenSize: 4, outputSize: 1)
        plrnn.gain = 1.2
        let models: [any LocalRecurrentModel] = [
            LeakyRNN(config: leaky, rng: RandomSource(seed: 5, stream: "init")),
            PLRNN(config: plrnn, rng: RandomSource(seed: 5, stream: "init")),
        ]
        for model in models {
            let batch = 2, size = batch * model.hiddenSize
            let field = StepVectorField(model: model, batch: batch, linear: false)
            field.setInput(inputs(steps: 1, batch: batch, width: 2, seed: 6), step: 0)
            let rng = RandomSource(seed: 7, stream: "h")
            let h = (0..<size).map { _ in rng.gaussian(sigma: 0.8) }
            var jacobian = [Double](repeating: 0, count: size * size)
            let status = h.withUnsafeBufferPointer { hp in jacobian.withUnsafeMutableBufferPointer { field.jacobian(hp.baseAddress!, into: $0.baseAddress!) } }
            XCTAssertEqual(status, 0)
            let step = 1e-6
            for c in 0..<size {
                var plus = h, minus = h
                plus[c] += step
                minus[c] -= step
                var fp = [Double](repeating: 0, count: size), fm = fp
                _ = plus.withUnsafeBufferPointer { p in fp.withUnsafeMutableBufferPointer { field.evaluate(p.baseAddress!, into: $0.baseAddress!) } }
                _ = minus.withUnsafeBufferPointer { p in fm.withUnsafeMutableBufferPointer { field.evaluate(p.baseAddress!, into: $0.baseAddress!) } }
                for r in 0..<size {
                    let numeric = (fp[r] - fm[r]) / (2 * step), exact = jacobian[r * size + c]
                    XCTAssertLessThan(abs(numeric - exact), 1e-6 * max(abs(exact), 1e-2), "\(model.kind) dF\(r)/dh\(c)")
                }
            }
        }
    }
}
