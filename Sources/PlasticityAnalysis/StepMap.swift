import Dense

/// The autonomous one-step map of a `LocalRecurrentModel` under a constant input x (default 0):
///   F(h) = g(h, W φ(h) + U x + b)     (the model's own `update`; leaky RNN: h + alpha ⊙ (f(a) - h)),
/// with the speed q(h) = ½||F(h) - h||², its gradient (J - I)^T (F(h) - h) and the Jacobian
/// J = diag(leak) + diag(gain) W diag(φ'(h)) from the model's local derivatives. F is the unit forward-Euler
/// step of the ODE dh/dt = F(h) - h (`LeakyODE`; leaky RNN: alpha ⊙ (f(a) - h), i.e. tau ⊙ dh/dt = -h + f(a)),
/// so the fixed points of F are the ODE's equilibria (F(h) = h iff f(a) = h) and the field's Jacobian is
/// J - I; alpha only scales q and sets the discrete-time stability.
/// A class so GSL's minimiser callbacks can reach it through an opaque pointer; owns its buffers.
public final class StepMap {
    public let size: Int
    let model: any LocalRecurrentModel
    let parameters: [Double]
    let constants: [Double]
    /// W, row-major N×N.
    let weights: [Double]
    /// U x (the model's update adds b).
    let inputDrive: [Double]
    var rates: [Double]
    var preactivation: [Double]
    var auxiliary: [Double]
    var next: [Double]
    var gain: [Double]
    var leak: [Double]
    var diagonal: [Double]
    /// F(h) - h at the last evaluated h.
    var residual: [Double]
    var scaled: [Double]
    /// φ'(h) at the last h whose gradient was taken.
    var slopes: [Double]

    public init(model: any LocalRecurrentModel, input: [Double]? = nil) {
        let n = model.hiddenSize, nIn = model.inputSize
        let x = input ?? [Double](repeating: 0, count: nIn)
        precondition(x.count == nIn, "the constant input must have one value per input channel")
        size = n
        self.model = model
        parameters = model.parameters
        constants = model.stepConstants()
        let drive = model.drive
        weights = Array(parameters[drive.recurrent.range])
        let u = drive.input.offset, p = parameters
        inputDrive = (0..<n).map { j in (0..<nIn).reduce(0) { $0 + p[u + j * nIn + $1] * x[$1] } }
        rates = [Double](repeating: 0, count: n)
        preactivation = rates
        auxiliary = rates
        next = rates
        gain = rates
        leak = rates
        diagonal = [Double](repeating: 0, count: n * drive.diagonal.count)
        residual = rates
        scaled = rates
        slopes = rates
    }

    /// Runs one step from h: fills `preactivation`, `next` and `residual` = F(h) - h; returns q(h).
    @discardableResult
    func evaluate(_ h: UnsafePointer<Double>) -> Double {
        // The loops run on buffer pointers: an element access to a class's array property is a
        // dynamically checked exclusive access (about half of this function's time at N = 32).
        let n = size
        rates.withUnsafeMutableBufferPointer { model.applyRate(h, into: $0.baseAddress!, count: n) }
        preactivation.withUnsafeMutableBufferPointer { a in inputDrive.withUnsafeBufferPointer { u in for j in 0..<n { a[j] = u[j] } } }
        weights.withUnsafeBufferPointer { w in
            BLAS.gemv(m: n, n: n, a: w.baseAddress!, lda: n, x: rates, beta: 1, y: &preactivation)
        }
        withPointers(parameters, constants, []) { P, K, _ in
            withMutablePointers(&preactivation, &auxiliary, &next) { a, aux, hNext in
                model.update(constants: K, parameters: P, rows: 1, previous: h, drive: a, auxiliary: aux, next: hNext, noise: nil)
            }
        }
        var q = 0.0
        next.withUnsafeBufferPointer { x in
            residual.withUnsafeMutableBufferPointer { res in
                for j in 0..<n {
                    let r = x[j] - h[j]
                    res[j] = r
                    q += r * r
                }
            }
        }
        return 0.5 * q
    }

    /// Fills `gain` and `leak` at the step last run from h.
    private func derivatives(_ h: UnsafePointer<Double>) {
        withPointers(parameters, constants, preactivation) { P, K, a in
            auxiliary.withUnsafeBufferPointer { aux in
                withMutablePointers(&gain, &leak, &diagonal) { g, l, d in
                    model.localDerivatives(constants: K, parameters: P, rows: 1, previous: h, preactivation: a, auxiliary: aux.baseAddress!,
                                           gain: g, leak: l, diagonal: d)
                }
            }
        }
    }

    /// q(h) and its gradient (J - I)^T r = leak ⊙ r + φ'(h) ⊙ W^T (gain ⊙ r) - r, written to `gradient`.
    @discardableResult
    func evaluate(_ h: UnsafePointer<Double>, gradient: UnsafeMutablePointer<Double>) -> Double {
        let q = evaluate(h), n = size
        derivatives(h)
        withPointers(gain, leak, residual) { g, l, r in
            scaled.withUnsafeMutableBufferPointer { s in for j in 0..<n { s[j] = g[j] * r[j] } }
            weights.withUnsafeBufferPointer { w in
                scaled.withUnsafeBufferPointer { s in
                    BLAS.gemv(trans: true, m: n, n: n, a: w.baseAddress!, lda: n, x: s.baseAddress!, beta: 0, y: gradient)
                }
            }
            slopes.withUnsafeMutableBufferPointer { slope in
                model.applyRateSlope(h, into: slope.baseAddress!, count: n)
                for j in 0..<n { gradient[j] = slope[j] * gradient[j] + (l[j] - 1) * r[j] }
            }
        }
        return q
    }

    /// q(h) = ½||F(h) - h||².
    public func speed(_ h: [Double]) -> Double {
        precondition(h.count == size)
        return h.withUnsafeBufferPointer { evaluate($0.baseAddress!) }
    }

    /// F(h).
    public func step(_ h: [Double]) -> [Double] {
        precondition(h.count == size)
        h.withUnsafeBufferPointer { _ = evaluate($0.baseAddress!) }
        return next
    }

    /// The Jacobian dF/dh at h (N×N); also leaves F(h) - h in `residual`.
    public func jacobian(_ h: [Double]) -> Matrix {
        precondition(h.count == size)
        h.withUnsafeBufferPointer {
            _ = evaluate($0.baseAddress!)
            derivatives($0.baseAddress!)
        }
        let n = size
        var j = Matrix(rows: n, cols: n)
        withPointers(h, gain, leak) { hp, g, l in
            weights.withUnsafeBufferPointer { w in
                j.data.withUnsafeMutableBufferPointer {
                    model.writeStepJacobian(h: hp, gain: g, leak: l, weights: w.baseAddress!, diagonalShift: 0, into: $0.baseAddress!, rowStride: n)
                }
            }
        }
        return j
    }

    /// The vector field dh/dt = F(h) - h of the ODE whose unit Euler step is the map (time in units of
    /// the trained step; the right-hand side `LeakyODE` integrates).
    public func velocity(_ h: [Double]) -> [Double] {
        precondition(h.count == size)
        h.withUnsafeBufferPointer { _ = evaluate($0.baseAddress!) }
        return residual
    }

    /// The vector field's Jacobian d(F(h) - h)/dh = J - I at h (N×N): diag(leak - 1) + diag(gain) W diag(φ'(h)).
    public func fieldJacobian(_ h: [Double]) -> Matrix {
        var j = jacobian(h)
        for r in 0..<size { j[r, r] -= 1 }
        return j
    }
}
