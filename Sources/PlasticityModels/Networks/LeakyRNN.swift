import Dense

/// How a leaky RNN's weights are drawn.
public enum Initialization: String, CaseIterable, Codable, Sendable {
    /// W ~ N(0, g²/N); U, V ~ N(0, 1/fan_in); biases 0. g > 1 is the chaotic regime.
    case gain
    /// PyTorch's default U(±1/sqrt(fan_in)) for every layer (the ICLR 2024 code).
    case uniformFanIn = "uniform-fan-in"
}

public struct LeakyRNNConfig: ModelConfig {
    public var inputSize: Int
    public var hiddenSize: Int
    public var outputSize: Int
    public var activation: Activation = .leakyRelu
    public var initialization: Initialization = .gain
    /// Recurrent gain g for `.gain` initialisation.
    public var gain: Double = 1.5
    /// tau is drawn uniformly from this range (their code: [1, 2)).
    public var tauRange: ClosedRange<Double> = 1...2
    public var trainTau = true
    /// Their model zeroes the recurrent diagonal.
    public var selfConnections = false

    public init(inputSize: Int, hiddenSize: Int, outputSize: Int) {
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.outputSize = outputSize
    }
}

/// Leaky firing-rate RNN (dt = 1):
///   a_t = W h_{t-1} + U x_t + b
///   h_t = (1 - 1/tau) ⊙ h_{t-1} + (1/tau) ⊙ f(a_t),   tau clamped at >= 1 in the forward pass
///   y_t = V h_t + c,  h_0 = 0.
/// Parameter groups: W (N×N), U (N×in), b (N), V (out×N), c (out), tau (N).
public struct LeakyRNN: ConfiguredModel, Codable, Equatable {
    public var config: LeakyRNNConfig
    public var parameters: [Double]
    public let layout: ParameterLayout

    public var kind: ModelKind { .leaky }

    /// A network with parameters drawn from `rng` (the run's init stream): W, U, b, V, c as
    /// `DriveLayout.draw` says, then tau ~ U(tauRange).
    public init(config: LeakyRNNConfig, rng: RandomSource) {
        self.init(config: config, parameters: [Double](repeating: 0, count: LeakyRNN.makeLayout(config).count))
        let d = drive
        d.draw(config.initialization, recurrentSigma: config.gain / Double(config.hiddenSize).squareRoot(), rng: rng, into: &parameters)
        for i in layout["tau"].range { parameters[i] = rng.uniform(config.tauRange.lowerBound, config.tauRange.upperBound) }
        project()
    }

    /// A network with the given parameters (e.g. loaded from a file).
    public init(config: LeakyRNNConfig, parameters: [Double]) {
        self.config = config
        layout = LeakyRNN.makeLayout(config)
        self.parameters = layout.fitting(parameters)
    }

    public mutating func project() {
        if !config.selfConnections { clearRecurrentDiagonal() }
    }

    public var frozenIndices: [Int] {
        (config.selfConnections ? [] : drive.recurrentDiagonal) + (config.trainTau ? [] : Array(layout["tau"].range))
    }

    /// alpha = 1/max(tau, 1), the per-neuron update rate: the one place the leaky rate is computed
    /// (the step, its derivatives, the backward pass, and through them STP, the map and the ODE).
    @inlinable
    public static func rate(tau: Double) -> Double { 1 / Swift.max(tau, 1) }

    /// alpha_j for every neuron.
    func rates(_ P: UnsafePointer<Double>) -> [Double] {
        let to = layout["tau"].offset
        return (0..<hiddenSize).map { LeakyRNN.rate(tau: P[to + $0]) }
    }

    public func backward(
        _ tr: inout Trajectory, inputs: Tensor3, outputGradient dY: Tensor3,
        stateGradient: Tensor3?, truncation: Int?, into gradient: inout [Double]
    ) {
        let steps = inputs.steps, batch = inputs.batch, n = hiddenSize, nIn = inputSize, nOut = outputSize
        beginGradient(inputs: inputs, outputGradient: dY, into: &gradient)
        let f = config.activation
        let wo = layout["W"].offset, uo = layout["U"].offset, bo = layout["b"].offset
        let vo = layout["V"].offset, to = layout["tau"].offset
        let slice = batch * n
        tr.backwardBuffer.resize(steps: steps)
        let alpha = stepConstants()
        // W packed once for the per-step products da_t W where that is faster (`PackedOperand`).
        let recurrent = PackedOperand(transposed: false, n: n, k: n, rows: batch)
        withPointers(parameters, inputs.data, dY.data) { P, X, dy0 in
            gradient.withUnsafeMutableBufferPointer { g in
                let G = g.baseAddress!
                guard steps > 0 else { return }
                withOptionalPointers(stateGradient?.data, nil, nil) { SG, _, _ in
                    tr.withWorkPointers { p, d0, carry in
                        let h0 = p.states
                        // Readout: dV = sum_t dY_t^T h_t, dc = sum dY, and dL/dh_t from the readout, for all t at once.
                        readoutGradient(
                            dY: dy0, rates: h0 + slice, rows: steps * batch, hidden: n, outputs: nOut, drive: drive, into: G)
                        BLAS.gemm(m: steps * batch, n: n, k: nOut, a: dy0, lda: nOut, b: P + vo, ldb: n, beta: 0, c: d0, ldc: n)
                        for i in 0..<slice { carry[i] = 0 }
                        recurrent.pack(P + wo, ldb: n)
                        for t in stride(from: steps - 1, through: 0, by: -1) {
                            let hPrev = h0 + t * slice
                            let a = p.preactivations + t * slice, fa = p.activations + t * slice
                            // d holds dL/dh_t from the readout; it becomes dL/da_t in place.
                            let d = d0 + t * slice
                            LeakyRNN.backwardStep(
                                f, rows: batch, hidden: n, alpha: alpha, tauGradient: G + to, d: d, carry: carry,
                                stateGradient: SG.map { $0 + (t + 1) * slice }, a: a, fa: fa, hPrev: hPrev)
                            // carry += da W, unless the window is cut here
                            if let k = truncation, t % k == 0 {
                                for i in 0..<slice { carry[i] = 0 }
                            } else {
                                recurrent.gemm(m: batch, a: d, lda: n, b: P + wo, ldb: n, beta: 1, c: carry, ldc: n)
                            }
                        }
                        // dW = sum_t da_t^T h_{t-1}; dU = sum_t da_t^T x_t; db = sum da: one gemm each.
                        BLAS.gemm(transA: true, m: n, n: n, k: steps * batch, a: d0, lda: n, b: h0, ldb: n, beta: 0, c: G + wo, ldc: n)
                        BLAS.gemm(transA: true, m: n, n: nIn, k: steps * batch, a: d0, lda: n, b: X, ldb: nIn, beta: 0, c: G + uo, ldc: nIn)
                        addRows(d0, rows: steps * batch, columns: n, into: G + bo)
                    }
                }
                // alpha = 1/max(tau, 1): d alpha / d tau = -1/tau² where tau > 1, else 0 (clamped).
                for j in 0..<n {
                    let tau = P[to + j]
                    G[to + j] = (config.trainTau && tau > 1) ? -G[to + j] / (tau * tau) : 0
                }
                if !config.selfConnections { drive.clearRecurrentDiagonal(G) }
            }
        }
    }
}

extension LeakyRNN {
    /// One step of the backward pass, element-wise over rows × N: dh = d + carry (+ the state gradient dR/dh_t
    /// of TCR, when given; d holds dL/dh_t from the readout),
    /// the tau slot gathers dh (f(a) − h_{t−1}) (d/d alpha), d becomes dL/da_t = dh alpha f'(a), carry dh (1 − alpha).
    /// The activation is resolved once per call, not per element.
    @inline(__always)
    static func backwardStep(
        _ f: Activation, rows: Int, hidden n: Int, alpha: [Double], tauGradient gt: UnsafeMutablePointer<Double>,
        d: UnsafeMutablePointer<Double>, carry: UnsafeMutablePointer<Double>, stateGradient sg: UnsafePointer<Double>?,
        a: UnsafePointer<Double>, fa: UnsafePointer<Double>, hPrev: UnsafePointer<Double>
    ) {
        alpha.withUnsafeBufferPointer { al in
            let alpha = al.baseAddress!
            // Four lanes at a time (`load4`: the same arithmetic as the scalar tail, so bit-identical), then the tail.
            @inline(__always) func sweep(_ slope: (Double, Double) -> Double, _ slope4: (SIMD4<Double>, SIMD4<Double>) -> SIMD4<Double>) {
                for bi in 0..<rows {
                    let row = bi * n
                    let dr = d + row, cr = carry + row, ar = a + row, fr = fa + row, hr = hPrev + row
                    let sr = sg.map { $0 + row }
                    var j = 0
                    while j + 4 <= n {
                        var dh = load4(dr, j) + load4(cr, j)
                        if let sr { dh = dh + load4(sr, j) }
                        let v = load4(fr, j), rate = load4(alpha, j)
                        store4(load4(gt, j) + dh * (v - load4(hr, j)), gt, j)
                        store4(dh * rate * slope4(load4(ar, j), v), dr, j)
                        store4(dh * (1 - rate), cr, j)
                        j += 4
                    }
                    while j < n {
                        var dh = dr[j] + cr[j]
                        if let sr { dh = dh + sr[j] }
                        let v = fr[j]
                        gt[j] += dh * (v - hr[j])
                        dr[j] = dh * alpha[j] * slope(ar[j], v)
                        cr[j] = dh * (1 - alpha[j])
                        j += 1
                    }
                }
            }
            switch f {
            case .tanh: sweep({ _, v in Activation.tanh.derivative(0, value: v) }, { _, v in 1 - v * v })
            case .leakyRelu:
                sweep({ x, _ in Activation.leakyRelu.derivative(x, value: 0) },
                      { x, _ in SIMD4(repeating: Activation.leakySlope).replacing(with: 1, where: x .> 0) })
            case .relu: sweep({ x, _ in Activation.relu.derivative(x, value: 0) }, { x, _ in SIMD4(repeating: 0).replacing(with: 1, where: x .> 0) })
            case .sigmoid: sweep({ _, v in Activation.sigmoid.derivative(0, value: v) }, { _, v in v * (1 - v) })
            }
        }
    }
}

/// The leaky RNN's step and its local derivatives (`LocalRecurrentModel`): the drive a_t, then
/// h_t = h_{t-1} + alpha ⊙ (f(a_t) - h_{t-1}); r = h. Stored per step: preactivations a_t, activations f(a_t).
extension LeakyRNN: LocalRecurrentModel {
    public static func makeLayout(_ c: LeakyRNNConfig) -> ParameterLayout {
        DriveLayout.makeLayout(c, recurrent: "W", input: "U", bias: "b", trailing: ["tau"])
    }
    public var drive: DriveLayout {
        DriveLayout(layout, recurrent: "W", input: "U", bias: "b", readout: "V", readoutBias: "c", diagonal: ["tau"])
    }
    public static let ratesAreStates = true
    public var hasSelfConnections: Bool { config.selfConnections }
    public func rate(_ h: Double) -> Double { h }
    public func rateSlope(_ h: Double) -> Double { 1 }

    /// alpha.
    public func stepConstants() -> [Double] { parameters.withUnsafeBufferPointer { rates($0.baseAddress!) } }

    public func update(
        constants alpha: UnsafePointer<Double>, parameters P: UnsafePointer<Double>, rows: Int,
        previous h: UnsafePointer<Double>, drive a: UnsafeMutablePointer<Double>, auxiliary fa: UnsafeMutablePointer<Double>,
        next: UnsafeMutablePointer<Double>, noise xi: UnsafePointer<Double>?
    ) {
        let n = hiddenSize, bias = P + layout["b"].offset, f = config.activation
        // One row (N values, in L1) at a time: the drive plus b (and ξ), f of the row (tanh vectorised), then the
        // leak step; four lanes at a time with the scalar arithmetic (`load4`), so bit-identical to scalar loops.
        for bi in 0..<rows {
            let row = bi * n, ar = a + row, fr = fa + row, hr = h + row, nr = next + row
            let xr = xi.map { $0 + row }
            var j = 0
            while j + 4 <= n {
                var v = load4(ar, j) + load4(bias, j)
                if let xr { v = v + load4(xr, j) }
                store4(v, ar, j)
                j += 4
            }
            while j < n {
                var v = ar[j] + bias[j]
                if let xr { v = v + xr[j] }
                ar[j] = v
                j += 1
            }
            f.apply(ar, into: fr, count: n)
            j = 0
            while j + 4 <= n {
                let hv = load4(hr, j)
                store4(hv + load4(alpha, j) * (load4(fr, j) - hv), nr, j)
                j += 4
            }
            while j < n {
                nr[j] = hr[j] + alpha[j] * (fr[j] - hr[j])
                j += 1
            }
        }
    }

    /// gain = alpha f'(a), leak = 1 - alpha, d h/d tau = (f(a) - h_{t-1}) d alpha/d tau with
    /// d alpha/d tau = -1/tau² where tau > 1 and 0 where the clamp holds alpha at 1.
    public func localDerivatives(
        constants alpha: UnsafePointer<Double>, parameters P: UnsafePointer<Double>, rows: Int,
        previous h: UnsafePointer<Double>, preactivation a: UnsafePointer<Double>, auxiliary fa: UnsafePointer<Double>,
        gain: UnsafeMutablePointer<Double>, leak: UnsafeMutablePointer<Double>, diagonal dTau: UnsafeMutablePointer<Double>
    ) {
        let n = hiddenSize, to = layout["tau"].offset, f = config.activation
        for bi in 0..<rows {
            let row = bi * n
            for j in 0..<n {
                let tau = P[to + j]
                gain[row + j] = alpha[j] * f.derivative(a[row + j], value: fa[row + j])
                leak[row + j] = 1 - alpha[j]
                dTau[row + j] = tau > 1 ? (fa[row + j] - h[row + j]) * (-1 / (tau * tau)) : 0
            }
        }
    }
}
