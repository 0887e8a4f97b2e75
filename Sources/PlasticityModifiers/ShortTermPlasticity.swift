import Dense

/// Settings of the short-term-plasticity modifier:
/// `modifiers = [{ kind = "stp", eta = 0.05, tau-f = 20, consolidation = 0.1 }]`.
public struct ShortTermPlasticityConfig: Codable, Equatable, Sendable {
    /// eta_f, the fast-weight learning rate.
    public var eta: Double
    /// tau_f, the decay time of F in steps; `.infinity` = no decay within a trial.
    public var tauF: Double
    /// Fraction kappa of the batch-mean final F moved into W after each trial (0 = none).
    public var consolidation: Double

    public static let settings: [ParameterSpec] = [
        ParameterSpec("eta", default: 0.05, range: 0...100, doc: "eta_f, fast-weight learning rate"),
        ParameterSpec("tau-f", default: 20, range: 1...1e12, doc: "tau_f, decay time of the fast weights in steps"),
        ParameterSpec("consolidation", default: 0, range: 0...1, doc: "fraction of the batch-mean final F added to W after each trial"),
    ]

    public init(eta: Double, tauF: Double = 20, consolidation: Double = 0) {
        self.eta = eta
        self.tauF = tauF
        self.consolidation = consolidation
    }

    /// From a file's entry (defaults filled, names and ranges checked).
    public init(settings overrides: [String: Double], file: String? = nil, key: String = "stp") throws {
        let v = try resolve(specs: ShortTermPlasticityConfig.settings, overrides: overrides, owner: key, file: file)
        self.init(eta: v["eta"]!, tauF: v["tau-f"]!, consolidation: v["consolidation"]!)
    }

    public func validate(file: String? = nil, key: String = "stp") throws {
        if !(eta >= 0 && eta.isFinite) { throw InputError.outOfRange("eta", eta, range: ">= 0", file: file, key: "\(key): eta") }
        if !(tauF >= 1) { throw InputError.outOfRange("tau-f", tauF, range: ">= 1 (or infinity: no decay)", file: file, key: "\(key): tau-f") }
        if !(consolidation >= 0 && consolidation <= 1) {
            throw InputError.outOfRange("consolidation", consolidation, range: "0...1", file: file, key: "\(key): consolidation")
        }
    }
}

/// Short-term plasticity implementing TCR (docs/science.md; the mechanism Haputhanthri et al. 2025 propose,
/// our concrete form): fast weights F^b, one N×N matrix per trial b of the batch, reset to 0 at the
/// start of each trial, on top of W. At step t (h_0 = 0, F_0 = 0):
///
///   a_t = (W + F_{t-1}) h_{t-1} + U x_t + b
///   h_t = (1 - alpha) ⊙ h_{t-1} + alpha ⊙ f(a_t),            alpha = 1/max(tau, 1)
///   F_t = (1 - 1/tau_f) F_{t-1} - eta_f · delta_t h_{t-1}^T,   delta_t = (h_t - h_{t-1}) ⊙ f'(a_t) ⊙ alpha
///
/// So the step uses the fast weights accumulated up to the previous step, and the change at step t
/// uses the same (h_{t-1}, a_t, h_t) as the state update: delta_t h_{t-1}^T is exactly the direct
/// (one-step, h_{t-1} held fixed) gradient of ½||h_t - h_{t-1}||² w.r.t. the recurrent weights, so
/// F follows online, synapse by synapse, the local gradient step of the TCR penalty. It is
/// differential anti-Hebbian: post-synaptic rate change × pre-synaptic rate, with a minus sign.
/// Without self-connections F's diagonal stays 0 (no autapses, like W).
/// Written for every `LocalRecurrentModel` through its forward pass's fast-weight seam: in general
/// the fast drive is F_{t-1} r_{t-1} (the model's rates; r = h above) and delta_t = (h_t - h_{t-1}) ⊙
/// gain_t with gain_t = ∂h_t/∂a_t from the model's local derivatives (alpha f'(a_t) above; 1 for the PLRNN).
///
/// Cost per step: memory B·N² for the fast weights; compute O(B·N²) — one gemv (F^b h^b) and one
/// rank-1 update per trial, plus the decay — the same order as the recurrent gemm itself.
/// Learning rules treat F as part of the dynamics they observe (`Objective.forward`); gradient rules
/// backpropagate through W only, the fast drive F_{t-1} h_{t-1} being a stop-gradient input.
/// `consolidate` optionally moves a fraction of F into W after each update.
/// One per run, used by one thread at a time (hence `@unchecked Sendable`, like `TCRStrength`).
public final class ShortTermPlasticity: FastWeightSeam, ForwardDynamics, @unchecked Sendable {
    public static let id = "stp"
    public static let summary = "fast weights within a trial: differential anti-Hebbian, the online local gradient step of TCR"
    public static let cost = "memory B·N² (one N×N fast-weight matrix per trial); compute O(B·N²) per step (a gemv and a rank-1 update per trial, plus decay)"

    public let config: ShortTermPlasticityConfig
    public let batchSize: Int
    public let hiddenSize: Int
    /// F^b after the last forward pass: B × N × N, row-major, F^b[j, i] from neuron i to neuron j.
    public private(set) var fastWeights: [Double]
    var delta: [Double]
    /// The model's W has no diagonal, so neither has F (set per pass from the model).
    var noAutapses = true
    /// mean_b F^b_T of the first training pass since the last consolidation (N × N; empty without
    /// consolidation): the rule's pass at the current weights, never a later perturbed pass.
    var consolidationSource: [Double]
    var awaitingSource = true

    public init(config: ShortTermPlasticityConfig, batchSize: Int, hiddenSize: Int) {
        self.config = config
        self.batchSize = batchSize
        self.hiddenSize = hiddenSize
        fastWeights = [Double](repeating: 0, count: batchSize * hiddenSize * hiddenSize)
        delta = [Double](repeating: 0, count: batchSize * hiddenSize)
        consolidationSource = [Double](repeating: 0, count: config.consolidation > 0 ? hiddenSize * hiddenSize : 0)
    }

    /// The model's own forward pass (`LocalRecurrentModel.localForward`) with the fast weights as the
    /// extra drive F_{t-1} r_{t-1}, for batches of up to `batchSize` trials. `noise.preactivation` is
    /// added to the drive as there (node perturbation); state noise belongs to analyses of W alone and
    /// is not supported here. `training`: a pass of the rule, whose final F may be consolidated (not a
    /// validation pass).
    public func forward(_ model: any RecurrentModel, inputs: Tensor3, noise: ForwardNoise? = nil, training: Bool = true, into tr: inout Trajectory) {
        guard let local = model as? any LocalRecurrentModel else { preconditionFailure("short-term plasticity needs a LocalRecurrentModel") }
        run(local, inputs: inputs, noise: noise, training: training, into: &tr)
    }

    private func run<M: LocalRecurrentModel>(_ model: M, inputs: Tensor3, noise: ForwardNoise?, training: Bool, into tr: inout Trajectory) {
        let batch = inputs.batch, n = model.hiddenSize
        precondition(batch <= batchSize && n == hiddenSize && tr.batch == batch && inputs.width == model.inputSize, "STP buffers do not match this batch")
        precondition(noise?.state == nil, "short-term plasticity does not take state noise")
        defer { if training && awaitingSource && !consolidationSource.isEmpty { recordConsolidationSource(batch: batch) } }
        for i in 0..<(batch * n * n) { fastWeights[i] = 0 }
        noAutapses = !model.hasSelfConnections
        model.localForward(inputs, noise: noise, into: &tr, seam: self)
    }

    /// drive^b += F^b_{t-1} r^b_{t-1}, trial by trial.
    package func addDrive(step t: Int, rows: Int, previousRates: UnsafePointer<Double>?, drive: UnsafeMutablePointer<Double>) {
        guard let r = previousRates else { return }
        let n = hiddenSize, nn = n * n
        fastWeights.withUnsafeBufferPointer { FW in
            for bi in 0..<rows {
                BLAS.gemv(m: n, n: n, a: FW.baseAddress! + bi * nn, lda: n, x: r + bi * n, beta: 1, y: drive + bi * n)
            }
        }
    }

    /// F_t = keep · F_{t-1} - eta_f · delta_t r_{t-1}^T with delta_t = (h_t - h_{t-1}) ⊙ gain_t.
    package func observe(step t: Int, rows: Int, previous: UnsafePointer<Double>, next: UnsafePointer<Double>,
                 previousRates: UnsafePointer<Double>?, gain: UnsafePointer<Double>) {
        let n = hiddenSize, nn = n * n
        let keep = config.tauF.isFinite ? 1 - 1 / config.tauF : 1
        fastWeights.withUnsafeMutableBufferPointer { FW in
            delta.withUnsafeMutableBufferPointer { D in
                let fw = FW.baseAddress!, d = D.baseAddress!
                for i in 0..<(rows * n) { d[i] = (next[i] - previous[i]) * gain[i] }
                if keep != 1 { BLAS.scal(n: rows * nn, alpha: keep, x: fw) }
                guard let r = previousRates else { return }
                for bi in 0..<rows {
                    let fb = fw + bi * nn
                    BLAS.ger(m: n, n: n, alpha: -config.eta, x: d + bi * n, y: r + bi * n, a: fb, lda: n)
                    if noAutapses { for j in 0..<n { fb[j * n + j] = 0 } }
                }
            }
        }
    }

    /// F^b of trial `b` after the last forward pass (N × N).
    public func fastWeights(trial b: Int) -> Matrix {
        let nn = hiddenSize * hiddenSize
        return Matrix(rows: hiddenSize, cols: hiddenSize, data: Array(fastWeights[(b * nn)..<((b + 1) * nn)]))
    }

    /// Consolidation after an update: W += kappa · mean_b F^b_T of the first forward pass since the
    /// previous consolidation (the rule's pass at the weights it updated); a no-op when kappa = 0.
    public func consolidate<M: RecurrentModel>(into model: inout M) {
        let kappa = config.consolidation
        guard kappa > 0, !awaitingSource else { return }
        awaitingSource = true
        let w = model.layout["W"], nn = hiddenSize * hiddenSize
        precondition(w.count == nn, "consolidation needs an N×N recurrent matrix W")
        model.parameters.withUnsafeMutableBufferPointer { p in
            consolidationSource.withUnsafeBufferPointer { source in
                BLAS.axpy(n: nn, alpha: kappa, x: source.baseAddress!, y: p.baseAddress! + w.offset)
            }
        }
        model.project()
    }

    /// mean_b F^b_T of the pass just run, kept for the next consolidation.
    private func recordConsolidationSource(batch: Int) {
        let nn = hiddenSize * hiddenSize, share = 1 / Double(max(batch, 1))
        consolidationSource.withUnsafeMutableBufferPointer { source in
            fastWeights.withUnsafeBufferPointer { fw in
                for i in 0..<nn { source[i] = 0 }
                for bi in 0..<batch { BLAS.axpy(n: nn, alpha: share, x: fw.baseAddress! + bi * nn, y: source.baseAddress!) }
            }
        }
        awaitingSource = false
    }
}
