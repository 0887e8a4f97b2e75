import Dense
import Foundation

public struct LSTMConfig: Codable, Equatable, Sendable {
    public var inputSize: Int
    public var hiddenSize: Int
    public var outputSize: Int
    /// Added to the initial forget-gate bias b_f, so the cell starts out remembering (f ≈ σ(1) = 0.73):
    /// Gers et al. 2000; Jozefowicz et al. 2015 recommend 1. PyTorch's default is 0.
    public var forgetGateBias: Double = 1

    public init(inputSize: Int, hiddenSize: Int, outputSize: Int) {
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.outputSize = outputSize
    }
}

/// Long short-term memory (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al. 2000)
/// in PyTorch's convention (`torch.nn.LSTM`, gate order i, f, g, o), h_0 = c_0 = 0:
///   i_t = σ(W_i h_{t-1} + U_i x_t + b_i)      f_t = σ(W_f h_{t-1} + U_f x_t + b_f)
///   g_t = tanh(W_g h_{t-1} + U_g x_t + b_g + ξ_t)            ξ: ForwardNoise.preactivation (width N)
///   o_t = σ(W_o h_{t-1} + U_o x_t + b_o)
///   c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
///   h_t = o_t ⊙ tanh(c_t) + η_t                               η: ForwardNoise.state
///   y_t = V h_t + c
/// PyTorch's two bias vectors only appear summed, so each gate has one (b = b_ih + b_hh).
/// Parameter groups, in this order: W_i, W_f, W_g, W_o (N×N each: PyTorch's stacked weight_hh, 4N×N),
/// U_i, U_f, U_g, U_o (N×in: weight_ih), b_i, b_f, b_g, b_o (N), V (out×N), c (out).
/// Preactivation noise of width 4N perturbs every gate, rows [ξ_i, ξ_f, ξ_g, ξ_o] (node perturbation).
/// Trajectory: `states` = h_0 … h_T (what the readout, TCR and the analyses see); `preactivations`
/// (T, B, 4N) rows [a_i, a_f, a_g, a_o] (with their noise); `activations` (T, B, 6N) rows
/// [i, f, g, o, c_t, tanh(c_t)]: the cell state c_t lives in columns 4N..<5N of step t's row.
/// `backwardBuffer` (T, B, 4N) rows [da_i, da_f, da_g, da_o]. The first forward pass widens these.
public struct LSTM: RecurrentModel, Codable, Equatable {
    public var config: LSTMConfig
    public var parameters: [Double]
    public let layout: ParameterLayout

    public var kind: ModelKind { .lstm }
    public var inputSize: Int { config.inputSize }
    public var hiddenSize: Int { config.hiddenSize }
    public var outputSize: Int { config.outputSize }

    static let gateNames = ["i", "f", "g", "o"]

    public static func makeLayout(_ c: LSTMConfig) -> ParameterLayout {
        var layout = ParameterLayout()
        for gate in gateNames { layout.addMatrix("W" + gate, rows: c.hiddenSize, cols: c.hiddenSize) }
        for gate in gateNames { layout.addMatrix("U" + gate, rows: c.hiddenSize, cols: c.inputSize) }
        for gate in gateNames { layout.addVector("b" + gate, count: c.hiddenSize) }
        layout.addMatrix("V", rows: c.outputSize, cols: c.hiddenSize)
        layout.addVector("c", count: c.outputSize)
        return layout
    }

    /// PyTorch's initialisation, every weight and bias (readout included) ~ U(±1/sqrt(N)), then
    /// `forgetGateBias` added to b_f.
    public init(config: LSTMConfig, rng: RandomSource) {
        self.config = config
        layout = LSTM.makeLayout(config)
        let k = 1 / Double(config.hiddenSize).squareRoot()
        parameters = (0..<layout.count).map { _ in rng.uniform(-k, k) }
        for i in layout["bf"].range { parameters[i] += config.forgetGateBias }
    }

    /// A network with the given parameters (e.g. loaded from a file).
    public init(config: LSTMConfig, parameters: [Double]) {
        self.config = config
        layout = LSTM.makeLayout(config)
        precondition(parameters.count == layout.count, "parameter count does not match the layout")
        self.parameters = parameters
    }

    /// A network described by `spec` (kind and hidden size; activation, initialisation, gain and tau do not apply).
    public init(spec: ModelSpec, inputSize: Int, outputSize: Int, rng: RandomSource) {
        self.init(config: LSTMConfig(inputSize: inputSize, hiddenSize: spec.hidden, outputSize: outputSize), rng: rng)
    }

    public mutating func project() {}
    public var frozenIndices: [Int] { [] }

    // MARK: One step — pure in ((h_{t-1}, c_{t-1}), input drive, parameters)

    /// Step t for the whole batch. On entry `pre` (B rows of 4N) holds the input drives U x_t of the
    /// four gates; W h_{t-1} is added here. `cPrev` (B rows, stride `cStride`) is c_{t-1}, nil for c_0 = 0.
    /// Writes the pre-activations into `pre`, [i, f, g, o, c_t, tanh c_t] into `cells` (B rows of 6N) and h_t.
    /// `preactivationNoise` has rows of N (a_g only) or, with `everyGate`, of 4N.
    static func step(
        batch: Int, hidden n: Int, parameters P: UnsafePointer<Double>, recurrentOffset wo: Int, biasOffset bo: Int,
        hPrev: UnsafePointer<Double>, cPrev: UnsafePointer<Double>?, cStride: Int, pre: UnsafeMutablePointer<Double>,
        preactivationNoise xi: UnsafePointer<Double>?, everyGate: Bool = false, stateNoise eta: UnsafePointer<Double>?,
        cells: UnsafeMutablePointer<Double>, hNow: UnsafeMutablePointer<Double>
    ) {
        // pre += h_{t-1} [W_i; W_f; W_g; W_o]^T: one gemm against the stacked 4N×N matrix.
        BLAS.gemm(transB: true, m: batch, n: 4 * n, k: n, a: hPrev, lda: n, b: P + wo, ldb: n, beta: 1, c: pre, ldc: 4 * n)
        for bi in 0..<batch {
            let a = pre + bi * 4 * n, s = cells + bi * 6 * n
            for j in 0..<n {
                var ai = a[j] + P[bo + j]
                var af = a[n + j] + P[bo + n + j]
                var ag = a[2 * n + j] + P[bo + 2 * n + j]
                var ao = a[3 * n + j] + P[bo + 3 * n + j]
                if let xi {
                    if everyGate {
                        let x = xi + bi * 4 * n
                        ai += x[j]; af += x[n + j]; ag += x[2 * n + j]; ao += x[3 * n + j]
                    } else {
                        ag += xi[bi * n + j]
                    }
                }
                a[j] = ai; a[n + j] = af; a[2 * n + j] = ag; a[3 * n + j] = ao
                let i = sigmoid(ai), f = sigmoid(af), g = Foundation.tanh(ag), o = sigmoid(ao)
                let cp = cPrev.map { $0[bi * cStride + j] } ?? 0
                let c = f * cp + i * g, tc = Foundation.tanh(c)
                s[j] = i; s[n + j] = f; s[2 * n + j] = g; s[3 * n + j] = o; s[4 * n + j] = c; s[5 * n + j] = tc
                var h = o * tc
                if let eta { h += eta[bi * n + j] }
                hNow[bi * n + j] = h
            }
        }
    }

    /// Backward through step t's gates for the whole batch. On entry the first N columns of each row
    /// of `delta` (B rows of 4N) hold dL/dh_t from the readout, `carryH` dL/dh_t from later steps,
    /// `carryC` dL/dc_t from c_{t+1}, and `direct` the state gradient, if any. Local derivatives:
    ///   dc = carryC + dh o (1 - tanh² c_t), da_o = dh tanh(c_t) o (1 - o), da_i = dc g i (1 - i),
    ///   da_f = dc c_{t-1} f (1 - f), da_g = dc i (1 - g²), ∂c_t/∂c_{t-1} = f.
    /// Writes [da_i, da_f, da_g, da_o] into `delta` and f ⊙ dc into `carryC` (the caller then sets `carryH`).
    static func stepBackward(
        batch: Int, hidden n: Int, cells: UnsafePointer<Double>, cPrev: UnsafePointer<Double>?, cStride: Int,
        direct: UnsafePointer<Double>?, delta: UnsafeMutablePointer<Double>,
        carryH: UnsafeMutablePointer<Double>, carryC: UnsafeMutablePointer<Double>
    ) {
        for bi in 0..<batch {
            let d = delta + bi * 4 * n, s = cells + bi * 6 * n
            for j in 0..<n {
                var dh = d[j] + carryH[bi * n + j]
                if let direct { dh += direct[bi * n + j] }
                let i = s[j], f = s[n + j], g = s[2 * n + j], o = s[3 * n + j], tc = s[5 * n + j]
                let cp = cPrev.map { $0[bi * cStride + j] } ?? 0
                let dc = carryC[bi * n + j] + dh * o * (1 - tc * tc)
                d[j] = dc * g * i * (1 - i)
                d[n + j] = dc * cp * f * (1 - f)
                d[2 * n + j] = dc * i * (1 - g * g)
                d[3 * n + j] = dh * tc * o * (1 - o)
                carryC[bi * n + j] = dc * f
            }
        }
    }

    // MARK: Whole trials

    public func forward(_ inputs: Tensor3, noise: ForwardNoise?, into tr: inout Trajectory) {
        let steps = inputs.steps, batch = inputs.batch, n = hiddenSize, nIn = inputSize
        let everyGate = GatedRecurrence.checkShapes(inputs: inputs, inputSize: nIn, hidden: n, gates: 4, noise: noise, trajectory: tr)
        GatedRecurrence.prepare(&tr, steps: steps, preactivationWidth: 4 * n, activationWidth: 6 * n)
        guard steps > 0 else { return }
        let wo = layout["Wi"].offset, uo = layout["Ui"].offset, bo = layout["bi"].offset
        let slice = batch * n
        let empty = [Double]()
        let preNoise = noise?.preactivation, stateNoise = noise?.state
        parameters.withUnsafeBufferPointer { p in
            let P = p.baseAddress!
            inputs.data.withUnsafeBufferPointer { X in
            tr.states.data.withUnsafeMutableBufferPointer { H in
            tr.preactivations.data.withUnsafeMutableBufferPointer { A in
            tr.activations.data.withUnsafeMutableBufferPointer { F in
            (preNoise?.data ?? empty).withUnsafeBufferPointer { PN in
            (stateNoise?.data ?? empty).withUnsafeBufferPointer { SN in
                let h0 = H.baseAddress!, a0 = A.baseAddress!, f0 = F.baseAddress!
                for i in 0..<slice { h0[i] = 0 }
                // The input drives of every step at once.
                BLAS.gemm(transB: true, m: steps * batch, n: 4 * n, k: nIn, a: X.baseAddress!, lda: nIn, b: P + uo, ldb: nIn, beta: 0, c: a0, ldc: 4 * n)
                for t in 0..<steps {
                    let cells = f0 + t * 6 * slice
                    LSTM.step(
                        batch: batch, hidden: n, parameters: P, recurrentOffset: wo, biasOffset: bo,
                        hPrev: h0 + t * slice, cPrev: t == 0 ? nil : UnsafePointer(cells - 6 * slice + 4 * n), cStride: 6 * n,
                        pre: a0 + t * 4 * slice,
                        preactivationNoise: preNoise == nil ? nil : PN.baseAddress! + t * (everyGate ? 4 : 1) * slice, everyGate: everyGate,
                        stateNoise: stateNoise == nil ? nil : SN.baseAddress! + t * slice,
                        cells: cells, hNow: h0 + (t + 1) * slice)
                }
            }
            }
            }
            }
            }
            }
        }
        GatedRecurrence.readout(parameters: parameters, layout: layout, hidden: n, into: &tr)
    }

    /// Exact gradient; truncation k cuts both carries (into h_t and c_t) where t % k == 0.
    public func backward(
        _ tr: inout Trajectory, inputs: Tensor3, outputGradient dY: Tensor3,
        stateGradient: Tensor3?, truncation: Int?, into gradient: inout [Double]
    ) {
        let steps = inputs.steps, batch = inputs.batch, n = hiddenSize, nIn = inputSize
        let wo = layout["Wi"].offset, uo = layout["Ui"].offset, bo = layout["bi"].offset
        let slice = batch * n
        GatedRecurrence.beginBackward(
            &tr, parameters: parameters, layout: layout, inputs: inputs, outputGradient: dY, deltaWidth: 4 * n, into: &gradient)
        guard steps > 0 else { return }
        let empty = [Double]()
        let sgData = stateGradient?.data ?? empty
        let hasStateGradient = stateGradient != nil
        parameters.withUnsafeBufferPointer { p in
            let P = p.baseAddress!
            gradient.withUnsafeMutableBufferPointer { g in
            let G = g.baseAddress!
            inputs.data.withUnsafeBufferPointer { X in
            sgData.withUnsafeBufferPointer { SG in
            tr.states.data.withUnsafeBufferPointer { H in
            tr.activations.data.withUnsafeBufferPointer { F in
            tr.backwardBuffer.data.withUnsafeMutableBufferPointer { D in
            tr.scratch.withUnsafeMutableBufferPointer { S in
                let h0 = H.baseAddress!, d0 = D.baseAddress!, f0 = F.baseAddress!
                let carryH = S.baseAddress!, carryC = carryH + slice
                for i in 0..<(2 * slice) { carryH[i] = 0 }
                for t in stride(from: steps - 1, through: 0, by: -1) {
                    let d = d0 + t * 4 * slice, cells = f0 + t * 6 * slice
                    LSTM.stepBackward(
                        batch: batch, hidden: n, cells: cells, cPrev: t == 0 ? nil : cells - 6 * slice + 4 * n, cStride: 6 * n,
                        direct: hasStateGradient ? SG.baseAddress! + (t + 1) * slice : nil, delta: d,
                        carryH: carryH, carryC: carryC)
                    if let k = truncation, t % k == 0 {
                        for i in 0..<(2 * slice) { carryH[i] = 0 }
                    } else {
                        // carryH = [da_i, da_f, da_g, da_o] · [W_i; W_f; W_g; W_o]
                        BLAS.gemm(m: batch, n: n, k: 4 * n, a: d, lda: 4 * n, b: P + wo, ldb: n, beta: 0, c: carryH, ldc: n)
                    }
                }
                let rows = steps * batch
                // dW = da^T h_{t-1}; dU = da^T x_t; db = Σ da (over t and trials): one gemm each.
                BLAS.gemm(transA: true, m: 4 * n, n: n, k: rows, a: d0, lda: 4 * n, b: h0, ldb: n, beta: 0, c: G + wo, ldc: n)
                BLAS.gemm(transA: true, m: 4 * n, n: nIn, k: rows, a: d0, lda: 4 * n, b: X.baseAddress!, ldb: nIn, beta: 0, c: G + uo, ldc: nIn)
                for r in 0..<rows {
                    let d = d0 + r * 4 * n
                    for j in 0..<(4 * n) { G[bo + j] += d[j] }
                }
            }
            }
            }
            }
            }
            }
            }
        }
    }
}

// MARK: Per-gate sensitivities (RTRL, e-prop, node perturbation)

extension LSTM: GatedSensitivityModel {
    /// h and the cell c.
    package var stateComponents: Int { 2 }
    package var gateCount: Int { 4 }

    /// One drive per gate i, f, g, o: W h_{t-1} + U x_t + b.
    package var drives: [GateDrive] {
        LSTM.gateNames.enumerated().map { g, name in
            GateDrive(gate: g, recurrent: layout["W" + name], input: layout["U" + name], bias: layout["b" + name])
        }
    }
    package var readout: ParameterGroup { layout["V"] }
    package var readoutBias: ParameterGroup { layout["c"] }

    /// ∂c/∂a_i = g i (1 - i), ∂c/∂a_f = c_{t-1} f (1 - f), ∂c/∂a_g = i (1 - g²), ∂c/∂a_o = 0;
    /// ∂h/∂a = o (1 - tanh² c) ∂c/∂a for i, f, g and ∂h/∂a_o = tanh(c) o (1 - o). The coupling:
    /// ∂c_t/∂c_{t-1} = f, ∂h_t/∂c_{t-1} = o (1 - tanh² c) f, none from h_{t-1} but through the W's.
    package func localDerivatives(
        step t: Int, trajectory p: TrajectoryPointers, rows: Int,
        drive: UnsafeMutablePointer<Double>, coupling: UnsafeMutablePointer<Double>
    ) {
        let n = hiddenSize, slice = rows * n
        let cells = p.activations + t * 6 * slice
        for bi in 0..<rows {
            let s = cells + bi * 6 * n
            for j in 0..<n {
                let k = bi * n + j
                let i = s[j], f = s[n + j], g = s[2 * n + j], o = s[3 * n + j], tc = s[5 * n + j]
                let cp = t == 0 ? 0 : s[-6 * slice + 4 * n + j]
                let dhdc = o * (1 - tc * tc)
                let dci = g * i * (1 - i), dcf = cp * f * (1 - f), dcg = i * (1 - g * g)
                // Blocks (drive·2 + component): component 0 = h, 1 = c.
                drive[k] = dhdc * dci
                drive[slice + k] = dci
                drive[2 * slice + k] = dhdc * dcf
                drive[3 * slice + k] = dcf
                drive[4 * slice + k] = dhdc * dcg
                drive[5 * slice + k] = dcg
                drive[6 * slice + k] = tc * o * (1 - o)
                drive[7 * slice + k] = 0
                coupling[k] = 0                  // ∂h_t/∂h_{t-1}
                coupling[slice + k] = dhdc * f   // ∂h_t/∂c_{t-1}
                coupling[2 * slice + k] = 0      // ∂c_t/∂h_{t-1}
                coupling[3 * slice + k] = f      // ∂c_t/∂c_{t-1}
            }
        }
    }

    package func driveFactor(drive k: Int, step t: Int, trajectory p: TrajectoryPointers, rows: Int, into q: UnsafeMutablePointer<Double>) {
        preconditionFailure("no LSTM drive is scaled")
    }
}
