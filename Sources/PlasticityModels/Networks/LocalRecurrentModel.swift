import Dense

/// Where the groups of a `LocalRecurrentModel` live in its flat parameter buffer.
public struct DriveLayout: Sendable, Equatable {
    /// W (N × N, row j = neuron j's incoming weights from the rates r_i).
    public let recurrent: ParameterGroup
    /// U (N × I).
    public let input: ParameterGroup
    /// b (N): the constant part of the drive.
    public let bias: ParameterGroup
    /// V (O × N), reading the rates r_t.
    public let readout: ParameterGroup
    /// c (O).
    public let readoutBias: ParameterGroup
    /// Per-neuron parameters of the elementwise update (the leaky RNN's tau, the PLRNN's A), in layout order.
    public let diagonal: [ParameterGroup]

    public init(_ layout: ParameterLayout, recurrent: String, input: String, bias: String, readout: String, readoutBias: String, diagonal: [String]) {
        self.recurrent = layout[recurrent]
        self.input = layout[input]
        self.bias = layout[bias]
        self.readout = layout[readout]
        self.readoutBias = layout[readoutBias]
        self.diagonal = diagonal.map { layout[$0] }
    }
}

extension DriveLayout {
    /// The flat layout of a local model under its own group names: the `leading` per-neuron groups,
    /// W (N × N), U (N × in), b (N), V (out × N), c (out), then the `trailing` per-neuron groups.
    public static func makeLayout(
        _ c: some ModelConfig, leading: [String] = [], recurrent: String, input: String, bias: String, trailing: [String] = []
    ) -> ParameterLayout {
        var layout = ParameterLayout()
        for name in leading { layout.addVector(name, count: c.hiddenSize) }
        layout.addMatrix(recurrent, rows: c.hiddenSize, cols: c.hiddenSize)
        layout.addMatrix(input, rows: c.hiddenSize, cols: c.inputSize)
        layout.addVector(bias, count: c.hiddenSize)
        layout.addMatrix("V", rows: c.outputSize, cols: c.hiddenSize)
        layout.addVector("c", count: c.outputSize)
        for name in trailing { layout.addVector(name, count: c.hiddenSize) }
        return layout
    }

    /// Draws W, U, b, V, c in this order from the init stream, as both local models do:
    /// `.gain`: W ~ N(0, σ_W²) (σ_W = `recurrentSigma`, g/sqrt(N) as each model computes it), U ~ N(0, 1/in),
    /// V ~ N(0, 1/N), b = c = 0; `.uniformFanIn` (PyTorch's default): W, V, c ~ U(±1/sqrt(N)), U, b ~ U(±1/sqrt(in)).
    func draw(_ initialization: Initialization, recurrentSigma: Double, rng: RandomSource, into parameters: inout [Double]) {
        let kh = 1 / Double(recurrent.rows).squareRoot(), ki = 1 / Double(max(input.cols, 1)).squareRoot()
        func fill(_ group: ParameterGroup, _ draw: () -> Double) {
            for i in group.range { parameters[i] = draw() }
        }
        switch initialization {
        case .gain:
            fill(recurrent) { rng.gaussian(sigma: recurrentSigma) }
            fill(input) { rng.gaussian(sigma: ki) }
            fill(readout) { rng.gaussian(sigma: kh) }
        case .uniformFanIn:
            fill(recurrent) { rng.uniform(-kh, kh) }
            fill(input) { rng.uniform(-ki, ki) }
            fill(bias) { rng.uniform(-ki, ki) }
            fill(readout) { rng.uniform(-kh, kh) }
            fill(readoutBias) { rng.uniform(-kh, kh) }
        }
    }

    /// The flat indices of W's diagonal (held at 0 in a model without self-connections).
    public var recurrentDiagonal: [Int] { (0..<recurrent.rows).map { recurrent.offset + $0 * recurrent.rows + $0 } }

    /// Sets W's diagonal to 0 in a parameter or gradient buffer.
    func clearRecurrentDiagonal(_ values: UnsafeMutablePointer<Double>) {
        let n = recurrent.rows
        for i in 0..<n { values[recurrent.offset + i * n + i] = 0 }
    }
}

/// A recurrent model whose step is local (norse-style: parameters and state are plain values, the
/// step a pure function). One step of N neurons for a batch of trials:
///
///   a_t = W r_{t-1} + U x_t + b (+ ξ_t)     the drive: every weight enters here, ξ is node-perturbation noise
///   h_t = g(h_{t-1}, a_t; λ)                 the elementwise update (λ: per-neuron groups such as tau)
///   r_t = φ(h_t),  y_t = V r_t + c           rates and readout; φ(0) = 0 and h_0 = 0
///
/// The model writes g, φ and their local derivatives once; forward passes (`localForward`, with an
/// optional fast-weight drive for short-term plasticity), RTRL, e-prop, RFLO, node perturbation, the
/// one-step map of the fixed-point search and the ODE vector field are written once for all such
/// models against these pieces (docs/architecture.md, "Model interface").
///
/// Trajectory convention: states = h_0...h_T; preactivations = what `update` stores for step t
/// (the drive a_t, or the model's own pre-update sum); activations = the step's auxiliary value;
/// the rates r_t are the states themselves when `ratesAreStates`, else activations[t-1] = φ(h_t).
public protocol LocalRecurrentModel: RecurrentModel {
    /// Where W, U, b, V, c and the diagonal groups live.
    var drive: DriveLayout { get }
    /// φ is the identity (r_t = h_t, read from the states).
    static var ratesAreStates: Bool { get }
    /// W may have a non-zero diagonal; otherwise the diagonal is frozen at 0 (fast weights too).
    var hasSelfConnections: Bool { get }
    /// φ(h) and φ'(h).
    func rate(_ h: Double) -> Double
    func rateSlope(_ h: Double) -> Double
    /// φ and φ' of `count` values: `rate` and `rateSlope` per value, in one call. Analyses hold the
    /// model as an existential, where a call per value costs more than φ itself.
    func applyRate(_ h: UnsafePointer<Double>, into r: UnsafeMutablePointer<Double>, count: Int)
    func applyRateSlope(_ h: UnsafePointer<Double>, into slope: UnsafeMutablePointer<Double>, count: Int)

    /// Per-neuron constants of a pass, computed once from the parameters outside the time loop
    /// (the leaky RNN's rate α = 1/max(tau, 1)); `update` and `localDerivatives` receive them.
    func stepConstants() -> [Double]

    /// One step for `rows` trials (each row N values). On entry `drive` holds W r_{t-1} + U x_t (plus a
    /// fast-weight drive, if any); the model adds b and `noise` (ξ, may be nil), stores what it keeps of
    /// step t into `drive` (the trajectory's preactivations) and `auxiliary` (its activations; φ(h_t) when
    /// `ratesAreStates` is false), and writes h_t into `next`.
    func update(
        constants k: UnsafePointer<Double>, parameters P: UnsafePointer<Double>, rows: Int,
        previous: UnsafePointer<Double>, drive: UnsafeMutablePointer<Double>, auxiliary: UnsafeMutablePointer<Double>,
        next: UnsafeMutablePointer<Double>, noise: UnsafePointer<Double>?)

    /// The local derivatives of step t, elementwise, from what `update` stored (rows × N each):
    /// `gain` = ∂h_t/∂a_t, `leak` = the explicit diagonal ∂h_t/∂h_{t-1} (not through W), and for each
    /// diagonal group g, `diagonal + g·rows·N` = ∂h_t/∂λ_g (0 where the group is held fixed by a clamp).
    /// The full Jacobian is ∂h_t/∂h_{t-1} = diag(leak) + diag(gain) W diag(φ'(h_{t-1})).
    func localDerivatives(
        constants k: UnsafePointer<Double>, parameters P: UnsafePointer<Double>, rows: Int,
        previous: UnsafePointer<Double>, preactivation: UnsafePointer<Double>, auxiliary: UnsafePointer<Double>,
        gain: UnsafeMutablePointer<Double>, leak: UnsafeMutablePointer<Double>, diagonal: UnsafeMutablePointer<Double>)

    /// For node perturbation: writes q (rows × N) with ∂h_t/∂λ_g = gain ⊙ q for diagonal group `g`, so that
    /// noise on the drive also estimates λ_g's gradient; false where g's update has no such form (not
    /// trained by node perturbation). Default: false.
    func driveFactor(
        group g: Int, constants k: UnsafePointer<Double>, parameters P: UnsafePointer<Double>, rows: Int,
        previous: UnsafePointer<Double>, into q: UnsafeMutablePointer<Double>) -> Bool
}

extension LocalRecurrentModel {
    /// `rate` per value; each model's witness is this loop specialised for it.
    public func applyRate(_ h: UnsafePointer<Double>, into r: UnsafeMutablePointer<Double>, count: Int) {
        for i in 0..<count { r[i] = rate(h[i]) }
    }

    /// `rateSlope` per value.
    public func applyRateSlope(_ h: UnsafePointer<Double>, into slope: UnsafeMutablePointer<Double>, count: Int) {
        for i in 0..<count { slope[i] = rateSlope(h[i]) }
    }
}

extension LocalRecurrentModel {
    public func driveFactor(
        group g: Int, constants k: UnsafePointer<Double>, parameters P: UnsafePointer<Double>, rows: Int,
        previous: UnsafePointer<Double>, into q: UnsafeMutablePointer<Double>
    ) -> Bool { false }

    /// Holds W's diagonal at 0 (`project()` of a model without self-connections).
    package mutating func clearRecurrentDiagonal() {
        let d = drive
        parameters.withUnsafeMutableBufferPointer { d.clearRecurrentDiagonal($0.baseAddress!) }
    }

    /// The rates r_t of a stored pass, t in 0...T, as a pointer to B × N values (nil for t = 0 when
    /// they are not the states: r_0 = φ(0) = 0). Rows of consecutive steps are contiguous.
    package func rates(_ p: TrajectoryPointers, step t: Int) -> UnsafeMutablePointer<Double>? {
        if Self.ratesAreStates { return p.states + t * p.slice }
        return t == 0 ? nil : p.activations + (t - 1) * p.slice
    }
}

extension LocalRecurrentModel {
    /// Writes one state's N × N block of the step Jacobian ∂h_t/∂h_{t-1} = diag(leak) + diag(gain) W diag(φ'(h)),
    /// plus `diagonalShift` on the diagonal (−1: the ODE field's Jacobian J − I), row r at `matrix + r · rowStride`.
    /// `gain` and `leak` are the model's local derivatives at h; `weights` is W, row-major.
    package func writeStepJacobian(
        h: UnsafePointer<Double>, gain: UnsafePointer<Double>, leak: UnsafePointer<Double>, weights: UnsafePointer<Double>,
        diagonalShift: Double, into matrix: UnsafeMutablePointer<Double>, rowStride: Int
    ) {
        let n = hiddenSize
        for r in 0..<n {
            let row = matrix + r * rowStride
            for c in 0..<n { row[c] = gain[r] * weights[r * n + c] * rateSlope(h[c]) }
            row[r] += leak[r] + diagonalShift
        }
    }
}

/// The fast-weight seam of a forward pass (short-term plasticity): adds a drive on top of
/// W r_{t-1} before the update and observes each completed step.
package protocol FastWeightSeam: AnyObject {
    /// drive += F_{t-1} r_{t-1} for `rows` trials (`previousRates` nil means r_{t-1} = 0).
    func addDrive(step t: Int, rows: Int, previousRates: UnsafePointer<Double>?, drive: UnsafeMutablePointer<Double>)
    /// Step t is done (h_{t-1} in `previous`, h_t in `next`); `gain` = ∂h_t/∂a_t.
    func observe(step t: Int, rows: Int, previous: UnsafePointer<Double>, next: UnsafePointer<Double>,
                 previousRates: UnsafePointer<Double>?, gain: UnsafePointer<Double>)
}

extension LocalRecurrentModel {
    /// A local model's forward pass is `localForward` without a seam.
    public func forward(_ inputs: Tensor3, noise: ForwardNoise?, into tr: inout Trajectory) {
        localForward(inputs, noise: noise, into: &tr)
    }

    /// The forward pass every local model runs (`forward` of LeakyRNN and PLRNN, and short-term
    /// plasticity through `seam`): the input drive of all steps in one gemm, then per step the
    /// recurrent gemm, the seam's fast drive, the model's elementwise `update` (+ state noise), and
    /// finally the readout of all steps in one gemm. Allocation-free in the time loop (the seam's
    /// `gain` buffer, when a seam is given, is `scratch`).
    package func localForward(_ inputs: Tensor3, noise: ForwardNoise?, into tr: inout Trajectory, seam: FastWeightSeam? = nil) {
        let steps = inputs.steps, batch = inputs.batch, n = hiddenSize, nIn = inputSize, nOut = outputSize
        precondition(inputs.width == nIn && tr.batch == batch)
        let preNoise = noise?.preactivation, stateNoise = noise?.state
        precondition(preNoise.map { $0.steps >= steps && $0.batch == batch && $0.width == n } ?? true, "preactivation noise has the wrong shape")
        precondition(stateNoise.map { $0.steps >= steps && $0.batch == batch && $0.width == n } ?? true, "state noise has the wrong shape")
        tr.prepare(steps: steps)
        let d = drive, slice = batch * n
        let constants = stepConstants()
        // The seam's view of the local derivatives (gain, leak, diagonal groups): allocated per pass, not per step.
        var localScratch = [Double](repeating: 0, count: seam == nil ? 0 : slice * (2 + d.diagonal.count))
        // W packed once for the pass's per-step products r_{t-1} Wᵀ where that is faster (`PackedOperand`).
        let recurrent = PackedOperand(transposed: true, n: n, k: n, rows: batch)
        tr.withPointers { p in
            noise.writeInitialState(p.states, count: slice)
            guard steps > 0 else { return }
            withPointers(parameters, inputs.data, constants) { P, X, K in
                withOptionalPointers(preNoise?.data, stateNoise?.data, nil) { PN, SN, _ in
                  localScratch.withUnsafeMutableBufferPointer { scratch in
                    let LS = seam == nil ? nil : scratch.baseAddress
                    let W = P + d.recurrent.offset
                    recurrent.pack(W, ldb: n)
                    // The input drive of every step at once: A[t] = X[t] U^T (no recurrence involved).
                    BLAS.gemm(transB: true, m: steps * batch, n: n, k: nIn, a: X, lda: nIn, b: P + d.input.offset, ldb: nIn,
                              beta: 0, c: p.preactivations, ldc: n)
                    for t in 0..<steps {
                        let hPrev = p.states + t * slice, hNow = hPrev + slice
                        let a = p.preactivations + t * slice, aux = p.activations + t * slice
                        let rPrev = rates(p, step: t)
                        if let rPrev {
                            recurrent.gemm(m: batch, a: rPrev, lda: n, b: W, ldb: n, beta: 1, c: a, ldc: n)
                        }
                        seam?.addDrive(step: t, rows: batch, previousRates: rPrev, drive: a)
                        update(constants: K, parameters: P, rows: batch, previous: hPrev, drive: a, auxiliary: aux, next: hNow,
                               noise: PN.map { $0 + t * slice })
                        if let SN {
                            // State noise enters h_t after the update, so it propagates (and so do the rates).
                            let eta = SN + t * slice
                            for i in 0..<slice { hNow[i] += eta[i] }
                            if !Self.ratesAreStates { for i in 0..<slice { aux[i] = rate(hNow[i]) } }
                        }
                        if let seam, let LS {
                            localDerivatives(constants: K, parameters: P, rows: batch, previous: hPrev, preactivation: a, auxiliary: aux,
                                             gain: LS, leak: LS + slice, diagonal: LS + 2 * slice)
                            seam.observe(step: t, rows: batch, previous: hPrev, next: hNow, previousRates: rPrev, gain: LS)
                        }
                    }
                    // The readout of every step at once: Y[t] = c + r_t V^T.
                    let y = p.outputs, co = d.readoutBias.offset
                    for r in 0..<(steps * batch) { for k in 0..<nOut { y[r * nOut + k] = P[co + k] } }
                    BLAS.gemm(transB: true, m: steps * batch, n: nOut, k: n, a: rates(p, step: 1)!, lda: n, b: P + d.readout.offset, ldb: n,
                              beta: 1, c: y, ldc: nOut)
                  }
                }
            }
        }
    }
}

/// The readout's exact gradient over all steps and trials at once, written over `gradient`'s V and c
/// slots: dV = Σ_t dY_t^T r_t (one gemm), dc = Σ dY. Shared by the leaky RNN's backward pass and by
/// the online and perturbation rules, which all learn the readout by this local delta rule.
/// `dY` is (rows × out), `rates` (rows × N) starting at r_1, with rows = T·B.
package func readoutGradient(
    dY: UnsafePointer<Double>, rates: UnsafePointer<Double>, rows: Int, hidden n: Int, outputs nOut: Int,
    drive: DriveLayout, into gradient: UnsafeMutablePointer<Double>
) {
    readoutGradient(
        dY: dY, rates: rates, rows: rows, hidden: n, outputs: nOut, readoutOffset: drive.readout.offset,
        readoutBiasOffset: drive.readoutBias.offset, into: gradient)
}

/// The same for any model whose readout V (O × N) and c (O) sit at the given flat offsets (the gated models).
package func readoutGradient(
    dY: UnsafePointer<Double>, rates: UnsafePointer<Double>, rows: Int, hidden n: Int, outputs nOut: Int,
    readoutOffset vo: Int, readoutBiasOffset co: Int, into gradient: UnsafeMutablePointer<Double>
) {
    BLAS.gemm(transA: true, m: nOut, n: n, k: rows, a: dY, lda: nOut, b: rates, ldb: n, beta: 0, c: gradient + vo, ldc: n)
    for k in 0..<nOut { gradient[co + k] = 0 }
    for r in 0..<rows { for k in 0..<nOut { gradient[co + k] += dY[r * nOut + k] } }
}

extension ModelKind {
    /// The model kinds whose models are `LocalRecurrentModel`s: the rules and modifiers written against
    /// that interface (rtrl, e-prop, RFLO, node perturbation, short-term plasticity) support exactly
    /// these. Found by building a one-neuron model of each kind, so a new model gets them by conforming.
    public static let local = kinds { $0 is any LocalRecurrentModel }

    /// The kinds whose one-neuron model passes `test`.
    static func kinds(where test: (any RecurrentModel) -> Bool) -> [ModelKind] {
        allCases.filter { kind in
            var spec = ModelSpec()
            spec.kind = kind
            spec.hidden = 1
            return test(spec.makeModel(inputSize: 1, outputSize: 1, rng: RandomSource(seed: 0, stream: "probe")))
        }
    }
}
