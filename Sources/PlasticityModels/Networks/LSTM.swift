import Dense
import Foundation

public struct LSTMConfig: ModelConfig {
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
public struct LSTM: ConfiguredModel, GatedModel, Codable, Equatable {
    public var config: LSTMConfig
    public var parameters: [Double]
    public let layout: ParameterLayout

    public var kind: ModelKind { .lstm }
    static let shape = GatedShape(
        gates: 4, firstGate: "i", preactivations: 4, activations: 6, carries: 2, addsToCarry: false)

    static let gateNames = ["i", "f", "g", "o"]

    public static func makeLayout(_ c: LSTMConfig) -> ParameterLayout {
        GatedRecurrence.makeLayout(gates: gateNames, sizes: c)
    }

    /// PyTorch's initialisation (`GatedRecurrence.uniformParameters`), then `forgetGateBias` added to b_f.
    public init(config: LSTMConfig, rng: RandomSource) {
        let layout = LSTM.makeLayout(config)
        var parameters = GatedRecurrence.uniformParameters(layout, hidden: config.hiddenSize, rng: rng)
        for i in layout["bf"].range { parameters[i] += config.forgetGateBias }
        self.init(config: config, parameters: parameters)
    }

    /// A network with the given parameters (e.g. loaded from a file).
    public init(config: LSTMConfig, parameters: [Double]) {
        self.config = config
        layout = LSTM.makeLayout(config)
        self.parameters = layout.fitting(parameters)
    }

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
        let batch = inputs.batch, n = hiddenSize, slice = batch * n
        let wo = layout["Wi"].offset, bo = layout["bi"].offset
        GatedRecurrence.forward(self, inputs, noise: noise, into: &tr) { s in
            LSTM.step(
                batch: batch, hidden: n, parameters: s.parameters, recurrentOffset: wo, biasOffset: bo,
                hPrev: s.hPrev, cPrev: s.t == 0 ? nil : UnsafePointer(s.activations - 6 * slice + 4 * n), cStride: 6 * n, pre: s.pre,
                preactivationNoise: s.preactivationNoise, everyGate: s.everyGate, stateNoise: s.stateNoise, cells: s.activations, hNow: s.hNow)
        }
    }

    /// Exact gradient; truncation k cuts both carries (into h_t and c_t) where t % k == 0. The carry of c
    /// is f ⊙ dc; the carry of h is [da_i, da_f, da_g, da_o] · [W_i; W_f; W_g; W_o] (`GatedRecurrence.backward`).
    public func backward(
        _ tr: inout Trajectory, inputs: Tensor3, outputGradient dY: Tensor3,
        stateGradient: Tensor3?, truncation: Int?, into gradient: inout [Double]
    ) {
        let batch = inputs.batch, n = hiddenSize, nIn = inputSize, slice = batch * n
        let uo = layout["Ui"].offset, bo = layout["bi"].offset
        GatedRecurrence.backward(
            self, &tr, inputs: inputs, outputGradient: dY, stateGradient: stateGradient, truncation: truncation, into: &gradient,
            step: { s in
                LSTM.stepBackward(
                    batch: batch, hidden: n, cells: s.activations, cPrev: s.t == 0 ? nil : s.activations - 6 * slice + 4 * n, cStride: 6 * n,
                    direct: s.direct, delta: s.delta, carryH: s.carry, carryC: s.carry + slice)
            },
            finish: { r in
                // dU = da^T x_t; db = Σ da (over t and trials).
                BLAS.gemm(transA: true, m: 4 * n, n: nIn, k: r.rows, a: r.deltas, lda: 4 * n, b: r.inputs, ldb: nIn, beta: 0, c: r.gradient + uo, ldc: nIn)
                for row in 0..<r.rows {
                    let d = r.deltas + row * 4 * n
                    for j in 0..<(4 * n) { r.gradient[bo + j] += d[j] }
                }
            })
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
