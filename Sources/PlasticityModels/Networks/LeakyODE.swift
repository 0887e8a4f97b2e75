@preconcurrency internal import CGSL
import Dense

/// An adaptive stepper of GSL's odeiv2: three explicit Runge–Kutta pairs and one implicit method.
public enum ODEStepper: String, CaseIterable, Codable, Sendable {
    /// Runge–Kutta–Fehlberg 4(5): the general-purpose default.
    case rkf45
    /// Runge–Kutta Cash–Karp 4(5).
    case rkck
    /// Runge–Kutta Prince–Dormand 8(9): for tight tolerances.
    case rk8pd
    /// Implicit multistep backward differentiation (variable order 1–5) with the vector field's
    /// Jacobian: for stiff systems (tau spread over orders of magnitude).
    case msbdf

    var gslType: UnsafePointer<gsl_odeiv2_step_type> {
        switch self {
        case .rkf45: return gsl_odeiv2_step_rkf45
        case .rkck: return gsl_odeiv2_step_rkck
        case .rk8pd: return gsl_odeiv2_step_rk8pd
        case .msbdf: return gsl_odeiv2_step_msbdf
        }
    }

    /// Implicit steppers need the Jacobian, a dense (B·N)² matrix: they integrate at most this many states at once.
    public var maxStates: Int { self == .msbdf ? 2_048 : Int.max }
}

/// The continuous-time dynamics of a `LocalRecurrentModel`: the vector field dh/dt = F(h) − h, where
/// F(h) = g(h, W φ(h) + U x(t) + b) is the model's own one-step map (its `update`). For the leaky RNN
/// that is tau ⊙ dh/dt = -h + f(W h + U x(t) + b), with tau its effective max(tau, 1), the ODE whose
/// unit-step forward Euler discretisation is the discrete model; for the PLRNN dz/dt = (A − 1) z +
/// W relu(z) + C x(t) + h0. x(t) = x_k on (k-1, k] (piecewise constant, as the discrete model sees
/// x_k in step k). Integrated adaptively by GSL (`gsl_odeiv2`). The whole batch is one system of
/// dimension B·N (rows decoupled), so the right-hand side is one gemm and the model's update. This is
/// the reference the dt → 0 limit of the discrete leaky model must agree with, and the simulator for
/// continuous-time analyses. Not thread-safe: one integrator per thread.
public final class LeakyODE {
    public let batch: Int
    public let stepper: ODEStepper
    public let absoluteTolerance: Double
    public let relativeTolerance: Double
    private let field: StepVectorField
    // GSL keeps a pointer to the system: both live on the heap for the integrator's lifetime.
    private let system: UnsafeMutablePointer<gsl_odeiv2_system>
    private let driver: UnsafeMutablePointer<gsl_odeiv2_driver>

    public var hiddenSize: Int { field.n }
    public var inputSize: Int { field.nIn }

    /// `linear` (leaky RNN only): use f(a) = a instead of the network's activation (the analytically
    /// solvable case).
    /// `maxStepsPerUnit`: GSL gives up (an error) after this many steps within one unit of time.
    public init(
        model: any LocalRecurrentModel, batch: Int, linear: Bool = false, stepper: ODEStepper = .rkf45,
        absoluteTolerance: Double = 1e-10, relativeTolerance: Double = 1e-10, maxStepsPerUnit: Int = 1_000_000
    ) throws {
        _ = GSLError.handlerOff
        guard absoluteTolerance > 0 && absoluteTolerance.isFinite else {
            throw InputError.outOfRange("absolute-tolerance", absoluteTolerance, range: "> 0")
        }
        guard relativeTolerance >= 0 && relativeTolerance.isFinite else {
            throw InputError.outOfRange("relative-tolerance", relativeTolerance, range: ">= 0")
        }
        guard batch >= 1 else { throw InputError.outOfRange("batch", Double(batch), range: ">= 1") }
        guard !linear || model is LeakyRNN else {
            throw InputError.unknown("model for a linear ODE", model.kind.rawValue, valid: [ModelKind.leaky.rawValue], key: "linear")
        }
        guard maxStepsPerUnit >= 1 else { throw InputError.outOfRange("max-steps", Double(maxStepsPerUnit), range: ">= 1") }
        guard batch * model.hiddenSize <= stepper.maxStates else {
            throw InputError.outOfRange("batch", Double(batch), range: "1...\(stepper.maxStates / model.hiddenSize) for \(stepper.rawValue) at N = \(model.hiddenSize)")
        }
        self.batch = batch
        self.stepper = stepper
        self.absoluteTolerance = absoluteTolerance
        self.relativeTolerance = relativeTolerance
        field = StepVectorField(model: model, batch: batch, linear: linear)
        system = .allocate(capacity: 1)
        system.initialize(to: gsl_odeiv2_system(
            function: { _, y, dydt, params in
                Unmanaged<StepVectorField>.fromOpaque(params!).takeUnretainedValue().evaluate(y!, into: dydt!)
            },
            jacobian: { _, y, dfdy, dfdt, params in
                // Only the implicit stepper calls it; the field is autonomous within a unit interval.
                let field = Unmanaged<StepVectorField>.fromOpaque(params!).takeUnretainedValue()
                for i in 0..<(field.batch * field.n) { dfdt![i] = 0 }
                return field.jacobian(y!, into: dfdy!)
            },
            dimension: batch * model.hiddenSize,
            params: Unmanaged.passUnretained(field).toOpaque()))
        guard let d = gsl_odeiv2_driver_alloc_y_new(system, stepper.gslType, 1e-3, absoluteTolerance, relativeTolerance) else {
            system.deallocate()
            throw GSLError(status: Int32(GSL_ENOMEM), context: "gsl_odeiv2_driver_alloc_y_new")
        }
        driver = d
        try GSLError.check(gsl_odeiv2_driver_set_nmax(driver, UInt(maxStepsPerUnit)), "gsl_odeiv2_driver_set_nmax")
    }

    deinit {
        gsl_odeiv2_driver_free(driver)
        system.deinitialize(count: 1)
        system.deallocate()
    }

    /// States h(0), h(1), ..., h(T) at integer times, (T+1) × B × N, for inputs T × B × in.
    /// h(0) is `initialState` (B × N, row-major) or 0 as in the discrete model.
    /// Throws `GSLError` when GSL fails (e.g. too many steps, or a non-finite state).
    public func integrate(_ inputs: Tensor3, initialState: [Double]? = nil) throws -> Tensor3 {
        let n = field.n, slice = batch * n
        precondition(inputs.batch == batch && inputs.width == field.nIn, "inputs do not match the integrator")
        precondition(initialState.map { $0.count == slice } ?? true, "initial state must be B × N")
        var states = Tensor3(steps: inputs.steps + 1, batch: batch, width: n)
        var y = initialState ?? [Double](repeating: 0, count: slice)
        for i in 0..<slice { states.data[i] = y[i] }
        var t = 0.0
        for k in 0..<inputs.steps {
            field.setInput(inputs, step: k)
            // The input jumps at every integer time: restart the step-size control there.
            try GSLError.check(gsl_odeiv2_driver_reset(driver), "gsl_odeiv2_driver_reset")
            try y.withUnsafeMutableBufferPointer { buffer in
                try GSLError.check(
                    gsl_odeiv2_driver_apply(driver, &t, Double(k + 1), buffer.baseAddress!),
                    "gsl_odeiv2_driver_apply (\(stepper.rawValue), interval \(k)...\(k + 1))")
            }
            for i in 0..<slice { states.data[(k + 1) * slice + i] = y[i] }
        }
        return states
    }
}

/// The right-hand side dh/dt = F(h) − h for a batch, with its own copy of the model and preallocated
/// buffers: GSL calls it through a C pointer. `linear` (leaky RNN): alpha ⊙ (a − h), f replaced by the identity.
final class StepVectorField {
    let n: Int
    let nIn: Int
    let batch: Int
    let model: any LocalRecurrentModel
    let linear: Bool
    let parameters: [Double]
    let constants: [Double]
    let drive: DriveLayout
    var input: [Double]
    var rates: [Double]
    var preactivation: [Double]
    var auxiliary: [Double]
    var next: [Double]
    var gain: [Double]
    var leak: [Double]
    var diagonal: [Double]
    /// F(h) − h while the Jacobian is formed.
    var velocity: [Double]

    init(model: any LocalRecurrentModel, batch: Int, linear: Bool) {
        n = model.hiddenSize
        nIn = model.inputSize
        self.batch = batch
        self.model = model
        self.linear = linear
        parameters = model.parameters
        constants = model.stepConstants()
        drive = model.drive
        input = [Double](repeating: 0, count: batch * nIn)
        rates = [Double](repeating: 0, count: batch * n)
        preactivation = rates
        auxiliary = rates
        next = rates
        gain = rates
        leak = rates
        diagonal = [Double](repeating: 0, count: batch * n * model.drive.diagonal.count)
        velocity = rates
    }

    func setInput(_ inputs: Tensor3, step k: Int) {
        let offset = inputs.offset(k)
        input.withUnsafeMutableBufferPointer { x in for i in 0..<(batch * nIn) { x[i] = inputs.data[offset + i] } }
    }

    /// GSL status: success, or GSL_EBADFUNC when the derivative is not finite.
    func evaluate(_ h: UnsafePointer<Double>, into dhdt: UnsafeMutablePointer<Double>) -> Int32 {
        let slice = batch * n, d = drive
        // Loops run on buffer pointers: an element access to a class's array property is a dynamically
        // checked exclusive access (a third of the adaptive solver's time at N = 32, B = 128).
        rates.withUnsafeMutableBufferPointer { model.applyRate(h, into: $0.baseAddress!, count: slice) }
        withPointers(parameters, constants, input) { P, K, x in
            withMutablePointers(&rates, &preactivation) { r, a in
                BLAS.gemm(transB: true, m: batch, n: n, k: n, a: r, lda: n, b: P + d.recurrent.offset, ldb: n, beta: 0, c: a, ldc: n)
                BLAS.gemm(transB: true, m: batch, n: n, k: nIn, a: x, lda: nIn, b: P + d.input.offset, ldb: nIn, beta: 1, c: a, ldc: n)
                if linear {
                    // alpha ⊙ (a + b − h): the leaky field with f = identity (K holds alpha).
                    next.withUnsafeMutableBufferPointer { out in
                        for bi in 0..<batch { for j in 0..<n { out[bi * n + j] = h[bi * n + j] + K[j] * (a[bi * n + j] + P[d.bias.offset + j] - h[bi * n + j]) } }
                    }
                } else {
                    withMutablePointers(&auxiliary, &next) { aux, hNext in
                        model.update(constants: K, parameters: P, rows: batch, previous: h, drive: a, auxiliary: aux, next: hNext, noise: nil)
                    }
                }
            }
        }
        var finite = true
        next.withUnsafeBufferPointer { out in
            for i in 0..<slice {
                let v = out[i] - h[i]
                dhdt[i] = v
                if !v.isFinite { finite = false }
            }
        }
        return finite ? Int32(GSL_SUCCESS) : Int32(GSL_EBADFUNC)
    }
}

extension StepVectorField {
    /// d(F(h) − h)/dh, row-major (B·N)², block diagonal (the trials are uncoupled): block b is
    /// diag(leak − 1) + diag(gain) W diag(φ'(h)) from the model's local derivatives at h (with f = identity
    /// in the linear case: gain = alpha, leak = 1 − alpha).
    func jacobian(_ h: UnsafePointer<Double>, into matrix: UnsafeMutablePointer<Double>) -> Int32 {
        // The step at h leaves what the local derivatives read in preactivation and auxiliary.
        let status = velocity.withUnsafeMutableBufferPointer { evaluate(h, into: $0.baseAddress!) }
        guard status == Int32(GSL_SUCCESS) else { return status }
        let size = batch * n
        withPointers(parameters, constants, preactivation) { P, K, a in
            if linear {
                for bi in 0..<batch { for j in 0..<n {
                    gain[bi * n + j] = K[j]
                    leak[bi * n + j] = 1 - K[j]
                } }
            } else {
                auxiliary.withUnsafeBufferPointer { aux in
                    withMutablePointers(&gain, &leak, &diagonal) { g, l, d in
                        model.localDerivatives(constants: K, parameters: P, rows: batch, previous: h, preactivation: a,
                                               auxiliary: aux.baseAddress!, gain: g, leak: l, diagonal: d)
                    }
                }
            }
        }
        for i in 0..<(size * size) { matrix[i] = 0 }
        withPointers(parameters, gain, leak) { P, g, l in
            for bi in 0..<batch {
                let base = bi * n
                model.writeStepJacobian(
                    h: h + base, gain: g + base, leak: l + base, weights: P + drive.recurrent.offset,
                    diagonalShift: -1, into: matrix + base * size + base, rowStride: size)
            }
        }
        return Int32(GSL_SUCCESS)
    }
}
