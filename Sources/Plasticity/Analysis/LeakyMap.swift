import Dense

/// The autonomous one-step map of a leaky RNN under a constant input x (default 0):
///   F(h) = h + alpha ⊙ (f(W h + U x + b) - h),  alpha = 1/max(tau, 1),
/// with the speed q(h) = ½||F(h) - h||², its gradient (J - I)^T (F(h) - h) and the Jacobian
/// J = diag(1 - alpha) + diag(alpha ⊙ f'(a)) W. Fixed points of F are those of the continuous ODE
/// (F(h) = h iff f(a) = h); alpha only scales q and sets the discrete-time stability.
/// A class so GSL's minimiser callbacks can reach it through an opaque pointer; owns its buffers.
public final class LeakyMap {
    public let size: Int
    let activation: Activation
    /// W, row-major N×N.
    let weights: [Double]
    /// U x + b.
    let drive: [Double]
    let rates: [Double]
    var preactivation: [Double]
    var residual: [Double]
    var scaled: [Double]

    public init(model: LeakyRNN, input: [Double]? = nil) {
        let n = model.hiddenSize, nIn = model.inputSize
        let x = input ?? [Double](repeating: 0, count: nIn)
        precondition(x.count == nIn, "the constant input must have one value per input channel")
        size = n
        activation = model.config.activation
        let p = model.parameters, layout = model.layout
        weights = Array(p[layout["W"].range])
        let u = layout["U"].offset, b = layout["b"].offset, tau = layout["tau"].offset
        drive = (0..<n).map { j in p[b + j] + (0..<nIn).reduce(0) { $0 + p[u + j * nIn + $1] * x[$1] } }
        rates = (0..<n).map { 1 / max(p[tau + $0], 1) }
        preactivation = [Double](repeating: 0, count: n)
        residual = [Double](repeating: 0, count: n)
        scaled = [Double](repeating: 0, count: n)
    }

    /// Fills `preactivation` = W h + U x + b and `residual` = F(h) - h; returns q(h).
    @discardableResult
    func evaluate(_ h: UnsafePointer<Double>) -> Double {
        let n = size
        var q = 0.0
        weights.withUnsafeBufferPointer { w in
            preactivation.withUnsafeMutableBufferPointer { a in
                for j in 0..<n { a[j] = drive[j] }
                BLAS.gemv(m: n, n: n, a: w.baseAddress!, lda: n, x: h, beta: 1, y: a.baseAddress!)
                for j in 0..<n {
                    let r = rates[j] * (activation.value(a[j]) - h[j])
                    residual[j] = r
                    q += r * r
                }
            }
        }
        return 0.5 * q
    }

    /// q(h) and its gradient (J - I)^T r = W^T (alpha ⊙ f'(a) ⊙ r) - alpha ⊙ r, written to `gradient`.
    @discardableResult
    func evaluate(_ h: UnsafePointer<Double>, gradient: UnsafeMutablePointer<Double>) -> Double {
        let q = evaluate(h), n = size
        for j in 0..<n {
            let a = preactivation[j]
            scaled[j] = rates[j] * activation.derivative(a, value: activation.value(a)) * residual[j]
        }
        weights.withUnsafeBufferPointer { w in
            scaled.withUnsafeBufferPointer { s in
                BLAS.gemv(trans: true, m: n, n: n, a: w.baseAddress!, lda: n, x: s.baseAddress!, beta: 0, y: gradient)
            }
        }
        for j in 0..<n { gradient[j] -= rates[j] * residual[j] }
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
        return (0..<size).map { h[$0] + residual[$0] }
    }

    /// The Jacobian dF/dh at h (N×N).
    public func jacobian(_ h: [Double]) -> Matrix {
        precondition(h.count == size)
        h.withUnsafeBufferPointer { _ = evaluate($0.baseAddress!) }
        let n = size
        var j = Matrix(rows: n, cols: n)
        for r in 0..<n {
            let a = preactivation[r]
            let gain = rates[r] * activation.derivative(a, value: activation.value(a))
            for c in 0..<n { j[r, c] = gain * weights[r * n + c] }
            j[r, r] += 1 - rates[r]
        }
        return j
    }
}
