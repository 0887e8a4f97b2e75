/// One linear drive of a gated cell, d_k = W_k h_{t-1} + U_k x_t + b_k (each part may be absent),
/// entering the preactivation of gate `gate` as q_k ⊙ d_k. The factor q_k is 1 unless `scaled`
/// (the GRU's m = W_n h + b_hn enters a_n as r ⊙ m), and then `GatedSensitivityModel.driveFactor` gives it.
package struct GateDrive: Sendable, Equatable {
    package let gate: Int
    package let recurrent: ParameterGroup?
    package let input: ParameterGroup?
    package let bias: ParameterGroup?
    package let scaled: Bool

    package init(gate: Int, recurrent: ParameterGroup?, input: ParameterGroup?, bias: ParameterGroup?, scaled: Bool = false) {
        self.gate = gate
        self.recurrent = recurrent
        self.input = input
        self.bias = bias
        self.scaled = scaled
    }

    /// The parameter groups of the drive, in the order recurrent, input, bias.
    package var groups: [ParameterGroup] { [recurrent, input, bias].compactMap { $0 } }
}

/// A gated recurrent model described by its per-gate sensitivities, so RTRL, e-prop and node perturbation
/// run on it without knowing its gates (docs/architecture.md, "Gated models"). Every gate is elementwise
/// in its preactivation a_g = Σ_{k ∈ g} q_k ⊙ d_k (+ ξ_g), and the state of neuron j at step t, s_t =
/// (component 0 = h_t, the rates that are read out, fed back through the W_k and seen by TCR; further
/// components such as the LSTM's cell c_t) depends on step t-1 only through a_g and its own s_{t-1}. So
///   ds_t/dθ = C_t ds_{t-1}/dθ + Σ_k diag(∂s_t/∂d_k) (W_k dh_{t-1}/dθ + ∂d_k/∂θ),
/// with C_t the per-neuron S × S explicit coupling (∂s_t/∂s_{t-1} not through any W_k).
/// The readout y_t = V h_t + c comes last in the layout (its groups are the last two).
package protocol GatedSensitivityModel: RecurrentModel {
    /// S: state components per neuron (1 for the GRU: h; 2 for the LSTM: h, c).
    var stateComponents: Int { get }
    /// G: gates; `ForwardNoise.preactivation` of width G·N adds ξ_g to every gate's preactivation
    /// (columns g·N..<(g+1)·N of each row); of width N, to the candidate only (robustness analyses).
    var gateCount: Int { get }
    /// The linear drives; together with V and c their groups are the whole layout.
    var drives: [GateDrive] { get }
    var readout: ParameterGroup { get }
    var readoutBias: ParameterGroup { get }

    /// Step t's local derivatives for all `rows` trials of a stored pass (rows = the trajectory's batch),
    /// each block rows × N: `drive + (k·S + s)·rows·N` = ∂s_t/∂d_k (component s, drive k), and
    /// `coupling + (s·S + s')·rows·N` = the explicit ∂s_t/∂s'_{t-1}.
    func localDerivatives(
        step t: Int, trajectory p: TrajectoryPointers, rows: Int,
        drive: UnsafeMutablePointer<Double>, coupling: UnsafeMutablePointer<Double>)

    /// q_k of step t (rows × N) for a `scaled` drive k.
    func driveFactor(drive k: Int, step t: Int, trajectory p: TrajectoryPointers, rows: Int, into q: UnsafeMutablePointer<Double>)
}

extension GatedSensitivityModel {
    /// The gated models read out y_t = V h_t + c from groups "V" and "c" (`GatedRecurrence`).
    package var readout: ParameterGroup { layout["V"] }
    package var readoutBias: ParameterGroup { layout["c"] }

    /// The parameters before the readout: every drive's groups (a rule's sensitivity columns).
    package var driveParameterCount: Int {
        precondition(readout.offset + readout.count == readoutBias.offset && readoutBias.offset + readoutBias.count == layout.count,
                     "the readout groups must come last in the layout")
        return readout.offset
    }
}

extension ModelKind {
    /// The model kinds whose models are `GatedSensitivityModel`s (found as `ModelKind.local` is).
    public static let gated = kinds { $0 is any GatedSensitivityModel }

    /// The kinds RTRL, e-prop and node perturbation run on: local models and gated ones.
    public static let localOrGated: [ModelKind] = allCases.filter { local.contains($0) || gated.contains($0) }
}
