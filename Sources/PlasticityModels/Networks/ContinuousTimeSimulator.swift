import Foundation

/// How a trained network's dynamics are run: the unit-step map it was trained on, forward Euler with a
/// finer step, or GSL's adaptive integration of the ODE behind the map (`LeakyODE`).
public enum IntegrationMethod: Hashable, Codable, Sendable, CustomStringConvertible {
    /// The discrete model as trained (any model).
    case map
    /// h ← h + dt (F(h) − h), 1/dt steps per unit of time, the input held over each unit.
    case euler(dt: Double)
    /// gsl_odeiv2 at the simulator's tolerances.
    case adaptive(ODEStepper)

    public var description: String {
        switch self {
        case .map: return "map"
        case .euler(let dt): return "euler dt=\(formatNumber(dt))"
        case .adaptive(let stepper): return stepper.rawValue
        }
    }

    /// `dt` as a user writes it: "1" (the map), "0.1" (Euler), or "adaptive" with `method`.
    public static func parse(dt: String, method: ODEStepper, key: String = "dt", file: String? = nil) throws -> IntegrationMethod {
        if dt == "adaptive" { return .adaptive(method) }
        guard let value = Double(dt) else {
            throw InputError.invalid("'\(dt)' is not a step; valid: 1, 0.5, 0.1, ... (1/dt an integer) or adaptive", file: file, key: key)
        }
        return try checkedEuler(dt: value, key: key, file: file)
    }

    /// Euler at `dt`, which must divide the unit step (1/dt an integer); dt = 1 is the map itself.
    public static func checkedEuler(dt: Double, key: String = "dt", file: String? = nil) throws -> IntegrationMethod {
        guard dt > 0 && dt <= 1, let steps = substeps(dt) else {
            throw InputError.outOfRange(key, dt, range: "1/k for an integer k in 1...100000 (1, 0.5, 0.1, ...)", file: file)
        }
        return steps == 1 ? .map : .euler(dt: dt)
    }

    static func substeps(_ dt: Double) -> Int? {
        let k = (1 / dt).rounded()
        guard k >= 1 && k <= 100_000 && abs(k * dt - 1) < 1e-9 else { return nil }
        return Int(k)
    }
}

/// Runs a model on inputs by an `IntegrationMethod` and reads it out at integer times, so a network
/// trained as a map can be judged as a continuous-time system. Models without a vector field (the
/// gated GRU and LSTM) run only as the map and say so.
public struct ContinuousTimeSimulator {
    public let model: any RecurrentModel
    public let method: IntegrationMethod
    public let absoluteTolerance: Double
    public let relativeTolerance: Double

    public init(model: any RecurrentModel, method: IntegrationMethod, absoluteTolerance: Double = 1e-8, relativeTolerance: Double = 1e-8) throws {
        if method != .map, !(model is any LocalRecurrentModel) {
            throw InputError.unknown(
                "model for continuous time (no vector field: its gates are not an ODE's)", model.kind.rawValue,
                valid: ModelKind.local.map(\.rawValue), key: "method \(method)")
        }
        self.model = model
        self.method = method
        self.absoluteTolerance = absoluteTolerance
        self.relativeTolerance = relativeTolerance
    }

    /// States h(0)...h(T) at integer times ((T+1) × B × N) and outputs y(1)...y(T) (T × B × out).
    public func run(_ inputs: Tensor3) throws -> (states: Tensor3, outputs: Tensor3) {
        guard let local = model as? any LocalRecurrentModel, method != .map else {
            var trajectory = model.makeTrajectory(capacity: inputs.steps, batch: inputs.batch)
            model.forward(inputs, into: &trajectory)
            return (trajectory.states, trajectory.outputs)
        }
        let states: Tensor3
        switch method {
        case .map: fatalError("handled above")
        case .euler(let dt): states = euler(local, inputs, dt: dt)
        case .adaptive(let stepper): states = try adaptive(local, inputs, stepper: stepper)
        }
        return (states, Self.readout(local, states))
    }

    func euler(_ model: any LocalRecurrentModel, _ inputs: Tensor3, dt: Double) -> Tensor3 {
        let substeps = IntegrationMethod.substeps(dt)!, batch = inputs.batch, slice = batch * model.hiddenSize
        let field = StepVectorField(model: model, batch: batch, linear: false)
        var states = Tensor3(steps: inputs.steps + 1, batch: batch, width: model.hiddenSize)
        var h = [Double](repeating: 0, count: slice), velocity = h
        for k in 0..<inputs.steps {
            field.setInput(inputs, step: k)
            for _ in 0..<substeps {
                h.withUnsafeBufferPointer { state in
                    velocity.withUnsafeMutableBufferPointer { _ = field.evaluate(state.baseAddress!, into: $0.baseAddress!) }
                }
                for i in 0..<slice { h[i] += dt * velocity[i] }
            }
            for i in 0..<slice { states.data[(k + 1) * slice + i] = h[i] }
        }
        return states
    }

    /// Integrates in groups of trials small enough for the stepper (the implicit one forms a dense Jacobian).
    func adaptive(_ model: any LocalRecurrentModel, _ inputs: Tensor3, stepper: ODEStepper) throws -> Tensor3 {
        let n = model.hiddenSize, batch = inputs.batch
        let group = max(1, min(batch, stepper.maxStates / n))
        var states = Tensor3(steps: inputs.steps + 1, batch: batch, width: n)
        var first = 0
        while first < batch {
            let rows = min(group, batch - first)
            var part = Tensor3(steps: inputs.steps, batch: rows, width: inputs.width)
            for t in 0..<inputs.steps { for b in 0..<rows { for i in 0..<inputs.width { part[t, b, i] = inputs[t, first + b, i] } } }
            let ode = try LeakyODE(model: model, batch: rows, stepper: stepper,
                                   absoluteTolerance: absoluteTolerance, relativeTolerance: relativeTolerance)
            let solved = try ode.integrate(part)
            for t in 0...inputs.steps { for b in 0..<rows { for j in 0..<n { states[t, first + b, j] = solved[t, b, j] } } }
            first += rows
        }
        return states
    }

    /// y_t = V φ(h_t) + c for t = 1...T.
    static func readout(_ model: any LocalRecurrentModel, _ states: Tensor3) -> Tensor3 {
        let d = model.drive, n = model.hiddenSize, nOut = model.outputSize, p = model.parameters
        var outputs = Tensor3(steps: states.steps - 1, batch: states.batch, width: nOut)
        var rates = [Double](repeating: 0, count: n)
        for t in 0..<outputs.steps {
            for b in 0..<states.batch {
                states.data.withUnsafeBufferPointer { h in
                    rates.withUnsafeMutableBufferPointer { model.applyRate(h.baseAddress! + states.offset(t + 1) + b * n, into: $0.baseAddress!, count: n) }
                }
                for k in 0..<nOut {
                    var y = p[d.readoutBias.offset + k]
                    for j in 0..<n { y += p[d.readout.offset + k * n + j] * rates[j] }
                    outputs[t, b, k] = y
                }
            }
        }
        return outputs
    }
}
