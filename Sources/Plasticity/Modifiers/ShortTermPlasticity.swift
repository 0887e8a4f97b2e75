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

/// Short-term plasticity implementing TCR (SCIENCE.md; the mechanism Haputhanthri et al. 2025 propose,
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
///
/// Cost per step: memory B·N² for the fast weights; compute O(B·N²) — one gemv (F^b h^b) and one
/// rank-1 update per trial, plus the decay — the same order as the recurrent gemm itself.
/// Learning rules treat F as part of the dynamics they observe (`Objective.forward`); gradient rules
/// backpropagate through W only, the fast drive F_{t-1} h_{t-1} being a stop-gradient input.
/// `consolidate` optionally moves a fraction of F into W after each update.
/// One per run, used by one thread at a time (hence `@unchecked Sendable`, like `TCRStrength`).
public final class ShortTermPlasticity: @unchecked Sendable {
    public static let id = "stp"
    public static let summary = "fast weights within a trial: differential anti-Hebbian, the online local gradient step of TCR"
    public static let cost = "memory B·N² (one N×N fast-weight matrix per trial); compute O(B·N²) per step (a gemv and a rank-1 update per trial, plus decay)"

    public let config: ShortTermPlasticityConfig
    public let batchSize: Int
    public let hiddenSize: Int
    /// F^b after the last forward pass: B × N × N, row-major, F^b[j, i] from neuron i to neuron j.
    public private(set) var fastWeights: [Double]
    var rates: [Double]
    var delta: [Double]
    /// mean_b F^b_T of the first training pass since the last consolidation (N × N; empty without
    /// consolidation): the rule's pass at the current weights, never a later perturbed pass.
    var consolidationSource: [Double]
    var awaitingSource = true

    public init(config: ShortTermPlasticityConfig, batchSize: Int, hiddenSize: Int) {
        self.config = config
        self.batchSize = batchSize
        self.hiddenSize = hiddenSize
        fastWeights = [Double](repeating: 0, count: batchSize * hiddenSize * hiddenSize)
        rates = [Double](repeating: 0, count: hiddenSize)
        delta = [Double](repeating: 0, count: batchSize * hiddenSize)
        consolidationSource = [Double](repeating: 0, count: config.consolidation > 0 ? hiddenSize * hiddenSize : 0)
    }

    /// The leaky RNN's forward pass (same arithmetic as `LeakyRNN.forward`) with fast weights, for
    /// batches of up to `batchSize` trials. `noise.preactivation` is added to a_t as there (node
    /// perturbation); state noise belongs to analyses of W alone and is not supported here.
    /// `training`: a pass of the rule, whose final F may be consolidated (not a validation pass).
    public func forward(_ model: LeakyRNN, inputs: Tensor3, noise: ForwardNoise? = nil, training: Bool = true, into tr: inout Trajectory) {
        let steps = inputs.steps, batch = inputs.batch, n = model.hiddenSize, nIn = model.inputSize, nOut = model.outputSize
        precondition(batch <= batchSize && n == hiddenSize && tr.batch == batch && inputs.width == nIn, "STP buffers do not match this batch")
        precondition(noise?.state == nil, "short-term plasticity does not take state noise")
        let preNoise = noise?.preactivation
        precondition(preNoise.map { $0.steps >= steps && $0.batch == batch && $0.width == n } ?? true, "preactivation noise has the wrong shape")
        defer { if training && awaitingSource && !consolidationSource.isEmpty { recordConsolidationSource(batch: batch) } }
        let empty = [Double]()
        tr.prepare(steps: steps)
        let f = model.config.activation, layout = model.layout
        let wo = layout["W"].offset, uo = layout["U"].offset, bo = layout["b"].offset
        let vo = layout["V"].offset, co = layout["c"].offset, to = layout["tau"].offset
        let slice = batch * n, nn = n * n
        let keep = config.tauF.isFinite ? 1 - 1 / config.tauF : 1
        let eta = config.eta, noAutapses = !model.config.selfConnections
        model.parameters.withUnsafeBufferPointer { p in
            let P = p.baseAddress!
            inputs.data.withUnsafeBufferPointer { X in
                tr.states.data.withUnsafeMutableBufferPointer { H in
                    tr.preactivations.data.withUnsafeMutableBufferPointer { A in
                        tr.activations.data.withUnsafeMutableBufferPointer { FA in
                            tr.outputs.data.withUnsafeMutableBufferPointer { Y in
                                fastWeights.withUnsafeMutableBufferPointer { FW in
                                    rates.withUnsafeMutableBufferPointer { R in
                                        delta.withUnsafeMutableBufferPointer { D in
                                          (preNoise?.data ?? empty).withUnsafeBufferPointer { PN in
                                            let fw = FW.baseAddress!, alpha = R.baseAddress!, d = D.baseAddress!
                                            for j in 0..<n { alpha[j] = 1 / Swift.max(P[to + j], 1) }
                                            for i in 0..<(batch * nn) { fw[i] = 0 }
                                            let h0 = H.baseAddress!, a0 = A.baseAddress!, f0 = FA.baseAddress!
                                            for i in 0..<slice { h0[i] = 0 }
                                            guard steps > 0 else { return }
                                            BLAS.gemm(transB: true, m: steps * batch, n: n, k: nIn, a: X.baseAddress!, lda: nIn, b: P + uo, ldb: nIn, beta: 0, c: a0, ldc: n)
                                            for t in 0..<steps {
                                                let hPrev = h0 + t * slice, hNow = h0 + (t + 1) * slice
                                                let a = a0 + t * slice, fa = f0 + t * slice
                                                BLAS.gemm(transB: true, m: batch, n: n, k: n, a: hPrev, lda: n, b: P + wo, ldb: n, beta: 1, c: a, ldc: n)
                                                // The fast part of the drive, F^b_{t-1} h^b_{t-1}, trial by trial.
                                                for bi in 0..<batch {
                                                    BLAS.gemv(m: n, n: n, a: fw + bi * nn, lda: n, x: hPrev + bi * n, beta: 1, y: a + bi * n)
                                                }
                                                let xi: UnsafePointer<Double>? = preNoise == nil ? nil : PN.baseAddress! + t * slice
                                                for bi in 0..<batch {
                                                    let row = bi * n
                                                    for j in 0..<n {
                                                        var aj = a[row + j] + P[bo + j]
                                                        if let xi { aj += xi[row + j] }
                                                        a[row + j] = aj
                                                        let v = f.value(aj)
                                                        fa[row + j] = v
                                                        hNow[row + j] = hPrev[row + j] + alpha[j] * (v - hPrev[row + j])
                                                        d[row + j] = (hNow[row + j] - hPrev[row + j]) * f.derivative(aj, value: v) * alpha[j]
                                                    }
                                                }
                                                if keep != 1 { BLAS.scal(n: batch * nn, alpha: keep, x: fw) }
                                                for bi in 0..<batch {
                                                    let fb = fw + bi * nn
                                                    BLAS.ger(m: n, n: n, alpha: -eta, x: d + bi * n, y: hPrev + bi * n, a: fb, lda: n)
                                                    if noAutapses { for j in 0..<n { fb[j * n + j] = 0 } }
                                                }
                                            }
                                            let y0 = Y.baseAddress!
                                            for r in 0..<(steps * batch) { for k in 0..<nOut { y0[r * nOut + k] = P[co + k] } }
                                            BLAS.gemm(transB: true, m: steps * batch, n: nOut, k: n, a: h0 + slice, lda: n, b: P + vo, ldb: n, beta: 1, c: y0, ldc: nOut)
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
