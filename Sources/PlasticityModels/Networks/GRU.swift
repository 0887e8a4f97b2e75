import Dense
import Foundation

public struct GRUConfig: ModelConfig {
    public var inputSize: Int
    public var hiddenSize: Int
    public var outputSize: Int

    public init(inputSize: Int, hiddenSize: Int, outputSize: Int) {
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.outputSize = outputSize
    }
}

/// Gated recurrent unit (Cho et al. 2014) in PyTorch's convention (`torch.nn.GRU`), h_0 = 0:
///   r_t = σ(W_r h_{t-1} + U_r x_t + b_r)
///   z_t = σ(W_z h_{t-1} + U_z x_t + b_z)
///   m_t = W_n h_{t-1} + b_hn
///   n_t = tanh(U_n x_t + b_n + r_t ⊙ m_t + ξ_t)          ξ: ForwardNoise.preactivation (width N)
///   h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1} + η_t          η: ForwardNoise.state
///   y_t = V h_t + c
/// PyTorch's separate input and hidden biases of r and z only ever appear summed, so each is one
/// vector here (b_r = b_ir + b_hr, b_z = b_iz + b_hz); b_hn stays separate because r gates it.
/// Parameter groups, in this order in the flat buffer: W_r, W_z, W_n (N×N each: together PyTorch's
/// stacked weight_hh, 3N×N), U_r, U_z, U_n (N×in each: weight_ih), b_r, b_z, b_n, b_hn (N), V (out×N), c (out).
/// Trajectory: `states` = h_0 … h_T; `preactivations` (T, B, 4N) rows [a_r, a_z, a_n, m] (a_n includes ξ);
/// `activations` (T, B, 3N) rows [r, z, n]; `backwardBuffer` (T, B, 4N) rows [da_r, da_z, dm, da_n].
/// The first forward pass widens these buffers once (the shared `Trajectory` is sized for N).
public struct GRU: ConfiguredModel, GatedModel, Codable, Equatable {
    public var config: GRUConfig
    public var parameters: [Double]
    public let layout: ParameterLayout

    public var kind: ModelKind { .gru }
    static let shape = GatedShape(
        gates: 3, firstGate: "r", preactivations: 4, activations: 3, carries: 1, addsToCarry: true)

    public static func makeLayout(_ c: GRUConfig) -> ParameterLayout {
        GatedRecurrence.makeLayout(gates: ["r", "z", "n"], extraBiases: ["hn"], sizes: c)
    }

    /// PyTorch's initialisation (`GatedRecurrence.uniformParameters`).
    public init(config: GRUConfig, rng: RandomSource) {
        self.init(config: config, parameters: GatedRecurrence.uniformParameters(GRU.makeLayout(config), hidden: config.hiddenSize, rng: rng))
    }

    /// A network with the given parameters (e.g. loaded from a file).
    public init(config: GRUConfig, parameters: [Double]) {
        self.config = config
        layout = GRU.makeLayout(config)
        self.parameters = layout.fitting(parameters)
    }

    /// Where each group starts in the flat buffer (stacked groups are contiguous).
    struct Offsets {
        let w, u, br, bz, bn, bhn, v: Int
        init(_ layout: ParameterLayout) {
            w = layout["Wr"].offset; u = layout["Ur"].offset
            br = layout["br"].offset; bz = layout["bz"].offset; bn = layout["bn"].offset; bhn = layout["bhn"].offset
            v = layout["V"].offset
        }
    }

    // MARK: One step — pure in (h_{t-1}, input drive, parameters)

    /// Step t for the whole batch. On entry `pre` (B rows of 4N) holds the input drives U_r x, U_z x,
    /// U_n x in its first 3N columns; `recurrent` is scratch (B × 3N). Writes h_t, the pre-activations
    /// [a_r, a_z, a_n, m] into `pre` and the gates [r, z, n] into `gates` (B rows of 3N).
    /// `preactivationNoise` has rows of N (candidate only) or, with `everyGate`, of 3N.
    static func step(
        batch: Int, hidden n: Int, parameters P: UnsafePointer<Double>, offsets o: Offsets,
        hPrev: UnsafePointer<Double>, pre: UnsafeMutablePointer<Double>, recurrent: UnsafeMutablePointer<Double>,
        preactivationNoise xi: UnsafePointer<Double>?, everyGate: Bool = false, stateNoise eta: UnsafePointer<Double>?,
        gates: UnsafeMutablePointer<Double>, hNow: UnsafeMutablePointer<Double>
    ) {
        // [W_r h, W_z h, W_n h] for every trial: one gemm against the stacked 3N×N matrix.
        BLAS.gemm(transB: true, m: batch, n: 3 * n, k: n, a: hPrev, lda: n, b: P + o.w, ldb: n, beta: 0, c: recurrent, ldc: 3 * n)
        for bi in 0..<batch {
            let a = pre + bi * 4 * n, rec = recurrent + bi * 3 * n, g = gates + bi * 3 * n
            for j in 0..<n {
                var ar = a[j] + P[o.br + j] + rec[j]
                var az = a[n + j] + P[o.bz + j] + rec[n + j]
                if everyGate, let xi {
                    ar += xi[bi * 3 * n + j]
                    az += xi[bi * 3 * n + n + j]
                }
                let r = sigmoid(ar), z = sigmoid(az)
                let m = rec[2 * n + j] + P[o.bhn + j]
                var an = a[2 * n + j] + P[o.bn + j] + r * m
                if let xi { an += everyGate ? xi[bi * 3 * n + 2 * n + j] : xi[bi * n + j] }
                let candidate = Foundation.tanh(an)
                a[j] = ar; a[n + j] = az; a[2 * n + j] = an; a[3 * n + j] = m
                g[j] = r; g[n + j] = z; g[2 * n + j] = candidate
                let hp = hPrev[bi * n + j]
                var h = (1 - z) * candidate + z * hp
                if let eta { h += eta[bi * n + j] }
                hNow[bi * n + j] = h
            }
        }
    }

    /// Backward through step t's gates for the whole batch. On entry the first N columns of each
    /// row of `delta` (B rows of 4N) hold dL/dh_t from the readout; `carry` (B × N) holds dL/dh_t
    /// from later steps and `direct` the state gradient, if any. Local derivatives, with dh = their sum:
    ///   dn = dh (1 - z), dz = dh (h_{t-1} - n), da_n = dn (1 - n²), da_z = dz z (1 - z),
    ///   dm = da_n r, da_r = da_n m r (1 - r), and ∂h_t/∂h_{t-1} directly = z.
    /// Writes [da_r, da_z, dm, da_n] into `delta` and z ⊙ dh into `carry` (the path not through W).
    static func stepBackward(
        batch: Int, hidden n: Int, hPrev: UnsafePointer<Double>, pre: UnsafePointer<Double>, gates: UnsafePointer<Double>,
        direct: UnsafePointer<Double>?, delta: UnsafeMutablePointer<Double>, carry: UnsafeMutablePointer<Double>
    ) {
        for bi in 0..<batch {
            let d = delta + bi * 4 * n, a = pre + bi * 4 * n, g = gates + bi * 3 * n
            for j in 0..<n {
                var dh = d[j] + carry[bi * n + j]
                if let direct { dh += direct[bi * n + j] }
                let r = g[j], z = g[n + j], candidate = g[2 * n + j], m = a[3 * n + j]
                let dan = dh * (1 - z) * (1 - candidate * candidate)
                d[j] = dan * m * r * (1 - r)
                d[n + j] = dh * (hPrev[bi * n + j] - candidate) * z * (1 - z)
                d[2 * n + j] = dan * r
                d[3 * n + j] = dan
                carry[bi * n + j] = dh * z
            }
        }
    }

    // MARK: Whole trials

    public func forward(_ inputs: Tensor3, noise: ForwardNoise?, into tr: inout Trajectory) {
        let batch = inputs.batch, n = hiddenSize, o = Offsets(layout)
        GatedRecurrence.forward(self, inputs, noise: noise, into: &tr) { s in
            GRU.step(
                batch: batch, hidden: n, parameters: s.parameters, offsets: o, hPrev: s.hPrev, pre: s.pre, recurrent: s.scratch,
                preactivationNoise: s.preactivationNoise, everyGate: s.everyGate, stateNoise: s.stateNoise, gates: s.activations, hNow: s.hNow)
        }
    }

    /// Exact gradient; truncation k cuts every path into h_t (through W and through z ⊙ h) where t % k == 0.
    /// The carry not through W is z ⊙ dh; then carry += [da_r, da_z, dm] · [W_r; W_z; W_n], and
    /// dW = [da_r, da_z, dm]^T h_{t-1} (`GatedRecurrence.backward`).
    public func backward(
        _ tr: inout Trajectory, inputs: Tensor3, outputGradient dY: Tensor3,
        stateGradient: Tensor3?, truncation: Int?, into gradient: inout [Double]
    ) {
        let batch = inputs.batch, n = hiddenSize, nIn = inputSize, o = Offsets(layout)
        GatedRecurrence.backward(
            self, &tr, inputs: inputs, outputGradient: dY, stateGradient: stateGradient, truncation: truncation, into: &gradient,
            step: { s in
                GRU.stepBackward(
                    batch: batch, hidden: n, hPrev: s.hPrev, pre: s.pre, gates: s.activations, direct: s.direct, delta: s.delta, carry: s.carry)
            },
            finish: { r in
                // dU_{r,z} = [da_r, da_z]^T x_t; dU_n = da_n^T x_t; the biases (summed over t and trials).
                let G = r.gradient
                BLAS.gemm(transA: true, m: 2 * n, n: nIn, k: r.rows, a: r.deltas, lda: 4 * n, b: r.inputs, ldb: nIn, beta: 0, c: G + o.u, ldc: nIn)
                BLAS.gemm(transA: true, m: n, n: nIn, k: r.rows, a: r.deltas + 3 * n, lda: 4 * n, b: r.inputs, ldb: nIn, beta: 0, c: G + o.u + 2 * n * nIn, ldc: nIn)
                for row in 0..<r.rows {
                    let d = r.deltas + row * 4 * n
                    for j in 0..<n {
                        G[o.br + j] += d[j]
                        G[o.bz + j] += d[n + j]
                        G[o.bhn + j] += d[2 * n + j]
                        G[o.bn + j] += d[3 * n + j]
                    }
                }
            })
    }
}

// MARK: Per-gate sensitivities (RTRL, e-prop, node perturbation)

extension GRU: GatedSensitivityModel {
    package var stateComponents: Int { 1 }
    package var gateCount: Int { 3 }

    /// Drives r, z, the candidate's input part U_n x + b_n, and m = W_n h + b_hn, which enters a_n as r ⊙ m.
    package var drives: [GateDrive] {
        let l = layout
        return [
            GateDrive(gate: 0, recurrent: l["Wr"], input: l["Ur"], bias: l["br"]),
            GateDrive(gate: 1, recurrent: l["Wz"], input: l["Uz"], bias: l["bz"]),
            GateDrive(gate: 2, recurrent: nil, input: l["Un"], bias: l["bn"]),
            GateDrive(gate: 2, recurrent: l["Wn"], input: nil, bias: l["bhn"], scaled: true),
        ]
    }

    /// With ∂h/∂a_n = (1 - z)(1 - n²) (as in `stepBackward`): ∂h/∂d_r = ∂h/∂a_n m r (1 - r),
    /// ∂h/∂d_z = (h_{t-1} - n) z (1 - z), ∂h/∂d_n = ∂h/∂a_n, ∂h/∂m = ∂h/∂a_n r; the coupling is z.
    package func localDerivatives(
        step t: Int, trajectory p: TrajectoryPointers, rows: Int,
        drive: UnsafeMutablePointer<Double>, coupling: UnsafeMutablePointer<Double>
    ) {
        let n = hiddenSize, slice = rows * n
        let hPrev = p.states + t * slice, pre = p.preactivations + t * 4 * slice, gates = p.activations + t * 3 * slice
        for bi in 0..<rows {
            let a = pre + bi * 4 * n, g = gates + bi * 3 * n
            for j in 0..<n {
                let k = bi * n + j
                let r = g[j], z = g[n + j], candidate = g[2 * n + j], m = a[3 * n + j]
                let dn = (1 - z) * (1 - candidate * candidate)
                drive[k] = dn * m * r * (1 - r)
                drive[slice + k] = (hPrev[k] - candidate) * z * (1 - z)
                drive[2 * slice + k] = dn
                drive[3 * slice + k] = dn * r
                coupling[k] = z
            }
        }
    }

    /// m's factor is the reset gate r_t.
    package func driveFactor(drive k: Int, step t: Int, trajectory p: TrajectoryPointers, rows: Int, into q: UnsafeMutablePointer<Double>) {
        precondition(k == 3, "only m is scaled")
        let n = hiddenSize, gates = p.activations + t * 3 * rows * n
        for bi in 0..<rows { for j in 0..<n { q[bi * n + j] = gates[bi * 3 * n + j] } }
    }
}
