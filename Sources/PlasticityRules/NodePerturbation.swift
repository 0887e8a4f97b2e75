import Dense

/// Node perturbation (Fiete & Seung 2006) for every `LocalRecurrentModel`: a perturbed pass adds
/// ξ_j,t ~ N(0, σ²) to every drive a_j,t and ζ_k,t ~ N(0, σ²) to every output y_k,t.
/// With the clean baseline each trial's loss change against its clean pass, ΔL_b, is its scalar
/// reward signal; with the running-average baseline the batch loss change against the running
/// average is one scalar for all trials. Then
///   dW_ji = Σ_b ΔL_b/σ² Σ_t ξ_bj,t r_bi,t-1,   dU: x instead of r,  db: 1,
///   dV_kj = Σ_b ΔL_b/σ² Σ_t ζ_bk,t r_bj,t,     dc: 1,
/// where the rates r come from the perturbed pass. An unbiased estimate of the gradient as σ → 0, averaged
/// over `draws` independent perturbations. A diagonal group λ is trained only where the model's update
/// has ∂h_t/∂λ = gain ⊙ q_t (`LocalRecurrentModel.driveFactor`: the PLRNN's A, q = z_{t-1}), then
/// dλ_j = Σ_b ΔL_b/σ² Σ_t ξ_bj,t q_bj,t; the leaky RNN's tau is not trained (no noise enters its path).
/// On a gated model (`GatedSensitivityModel`: GRU, LSTM) every gate's preactivation gets its own ξ_g and
/// drive k of gate g learns from ξ_g ⊙ q_k against its input (h_{t-1}, x_t or 1), q_k = 1 but for the
/// GRU's m = W_n h + b_hn, which enters a_n as r ⊙ m (q = r_t); every group is trained.
/// With TCR each pass's loss (and each trial's share) includes the penalty R of that pass's states.
/// With `readout = delta` the outputs get no noise and V, c learn by the delta rule on the clean pass
/// (`ReadoutRule`): the loss change then comes from the recurrent noise alone.
public final class NodePerturbation: LearningRule {
    public static let id = "node-perturbation"
    public static let locality = Locality.reward
    public static let summary = "node perturbation: noise on preactivations (and on the outputs unless the readout learns by the delta rule), correlated with each trial's loss change"
    public static let citation = "Fiete & Seung 2006, Physical Review Letters 97:048104"
    public static let hyperparameters = PerturbationSettings.specs(sigma: 0.05, noise: "node")
    public static let supportedModels = ModelKind.localOrGated
    public static let cost = "memory O(T·B·(N + O)) for the noise and one extra trajectory; compute two forward passes (one with the running-average baseline, plus one clean pass for reporting the loss) and O(B·N·(N + I)) per step"

    let objective: Objective
    var settings: PerturbationSettings

    /// The running-average baseline.
    public var carriedState: [Double] {
        get { settings.average.carried }
        set { settings.average.carried = newValue }
    }
    var clean: Trajectory
    var perturbed: Trajectory
    var noise: ForwardNoise
    var outputNoise: Tensor3
    var cleanLosses: [Double]
    var perturbedLosses: [Double]
    /// One draw's estimate, accumulated into the direction.
    var estimate: [Double]
    /// q_t of one step (B × N), for the diagonal groups that noise on the drive reaches.
    var driveFactor: [Double]
    /// dL/dy of the clean pass (T × B × O), for the delta-rule readout.
    var outputGradient: Tensor3
    /// The delta rule's dV, dc (the whole layout; only the readout slots are used).
    var readoutEstimate: [Double]

    public init(settings: [String: Double], model: any RecurrentModel, objective: Objective, batchSize: Int, maxSteps: Int) throws {
        self.objective = objective
        self.settings = PerturbationSettings(settings: settings)
        clean = model.makeTrajectory(capacity: maxSteps, batch: batchSize)
        perturbed = clean
        noise = ForwardNoise(preactivation: Tensor3(steps: maxSteps, batch: batchSize, width: NodePerturbation.noiseWidth(model)))
        outputNoise = Tensor3(steps: maxSteps, batch: batchSize, width: model.outputSize)
        cleanLosses = [Double](repeating: 0, count: batchSize)
        perturbedLosses = cleanLosses
        estimate = [Double](repeating: 0, count: model.layout.count)
        driveFactor = [Double](repeating: 0, count: batchSize * model.hiddenSize)
        outputGradient = Tensor3(steps: self.settings.readout == .delta ? maxSteps : 0, batch: batchSize, width: model.outputSize)
        readoutEstimate = [Double](repeating: 0, count: self.settings.readout == .delta ? model.layout.count : 0)
    }

    /// Noise on every drive: N per row for a local model, one block of N per gate for a gated one.
    static func noiseWidth(_ model: any RecurrentModel) -> Int {
        ((model as? any GatedSensitivityModel)?.gateCount ?? 1) * model.hiddenSize
    }

    public func direction(model: any RecurrentModel, batch: Batch, noise rng: RandomSource, into direction: inout [Double]) -> StepStats {
        precondition(model is any LocalRecurrentModel || model is any GatedSensitivityModel,
                      "node-perturbation needs a LocalRecurrentModel or a GatedSensitivityModel")
        return run(model, batch: batch, noise: rng, into: &direction)
    }

    private func run(_ rnn: any RecurrentModel, batch: Batch, noise rng: RandomSource, into direction: inout [Double]) -> StepStats {
        // n: the noisy nodes per trial and step (N; G·N on a gated model).
        let steps = batch.steps, size = batch.size, n = NodePerturbation.noiseWidth(rnn), nOut = rnn.outputSize
        let layout = rnn.layout
        if direction.count != layout.count { direction = [Double](repeating: 0, count: layout.count) }
        for i in direction.indices { direction[i] = 0 }
        // The clean pass: the reported loss, and the reference of the clean baseline.
        objective.forward(rnn, batch, into: &clean)
        let stats = objective.evaluate(clean, batch: batch)
        objective.perTrial(clean, batch: batch, into: &cleanLosses)
        if settings.readout == .delta {
            deltaRuleReadout(rnn, clean, lossKind: objective.lossKind, batch: batch, outputGradient: &outputGradient, into: &readoutEstimate)
        }
        let variance = settings.sigma * settings.sigma
        noise.preactivation!.resize(steps: steps)
        outputNoise.resize(steps: steps)
        for _ in 0..<settings.draws {
            noise.preactivation!.data.withUnsafeMutableBufferPointer { rng.fillGaussian(UnsafeMutableBufferPointer(rebasing: $0[0..<(steps * size * n)]), sigma: settings.sigma) }
            if settings.readout == .own {
                outputNoise.data.withUnsafeMutableBufferPointer { rng.fillGaussian(UnsafeMutableBufferPointer(rebasing: $0[0..<(steps * size * nOut)]), sigma: settings.sigma) }
            }
            objective.forward(rnn, batch, noise: noise, into: &perturbed)
            // Output-node noise enters after the readout, so it is added to the outputs directly. The
            // delta-rule readout has none (the readout's estimate is overwritten below).
            let ownReadout = settings.readout == .own
            if ownReadout {
                perturbed.outputs.data.withUnsafeMutableBufferPointer { y in
                    outputNoise.data.withUnsafeBufferPointer { z in for i in 0..<(steps * size * nOut) { y[i] += z[i] } }
                }
            }
            objective.perTrial(perturbed, batch: batch, into: &perturbedLosses)
            var perturbedLoss = 0.0
            for b in 0..<size { perturbedLoss += perturbedLosses[b] }
            // The average of earlier losses is the reference; then the newest joins it.
            let reference = settings.runningReference(perturbedLoss)
            // Scale each trial's noise by its reward signal ΔL_b/σ², in place (on pointers: the checked
            // accesses through the optional tensor cost as much as a forward pass's tanh at N = 32).
            let perTrial = settings.baseline == .clean, losses = perturbedLosses, cleanByTrial = cleanLosses
            noise.preactivation!.data.withUnsafeMutableBufferPointer { xiBuffer in
                outputNoise.data.withUnsafeMutableBufferPointer { zBuffer in
                    let xi = xiBuffer.baseAddress!, z = zBuffer.baseAddress!
                    for b in 0..<size {
                        // Clean: each trial's own loss change. Running average: one scalar reward for the
                        // batch (trials differ too much for a shared per-trial reference).
                        let change = perTrial ? losses[b] - cleanByTrial[b] : perturbedLoss - reference
                        let scale = change / variance
                        for t in 0..<steps {
                            let rowN = (t * size + b) * n, rowO = (t * size + b) * nOut
                            for j in 0..<n { xi[rowN + j] *= scale }
                            if ownReadout { for k in 0..<nOut { z[rowO + k] *= scale } }
                        }
                    }
                }
            }
            if let local = rnn as? any LocalRecurrentModel {
                accumulate(local, batch: batch, readout: ownReadout, into: &direction)
            } else if let gated = rnn as? any GatedSensitivityModel {
                accumulateGated(gated, batch: batch, readout: ownReadout, into: &direction)
            }
        }
        let inverseDraws = 1 / Double(settings.draws)
        for i in direction.indices { direction[i] *= inverseDraws }
        if settings.readout == .delta {
            for group in [layout["V"], layout["c"]] { for i in group.range { direction[i] = readoutEstimate[i] } }
        }
        for i in rnn.frozenIndices { direction[i] = 0 }
        return stats
    }

    /// direction += the draw's estimate: scaled noise times presynaptic activity, one gemm per group.
    /// `readout`: also the readout's estimate (V, c), which the delta rule replaces anyway.
    private func accumulate<M: LocalRecurrentModel>(_ model: M, batch: Batch, readout: Bool, into direction: inout [Double]) {
        let steps = batch.steps, size = batch.size, n = model.hiddenSize, nIn = model.inputSize, nOut = model.outputSize
        let rows = steps * size, slice = size * n, drive = model.drive
        let constants = model.stepConstants()
        perturbed.withReadOnlyPointers { p in
            withPointers(noise.preactivation!.data, outputNoise.data, batch.inputs.data) { xi, z, X in
                withPointers(model.parameters, constants, []) { P, K, _ in
                    direction.withUnsafeMutableBufferPointer { d in
                        let D = d.baseAddress!
                        // dW: ξ_t against r_{t-1}; r_0 = 0 unless the rates are the states (then r_0 = h_0, 0 or the batch's initial state).
                        if let r0 = model.rates(p, step: 0) {
                            BLAS.gemm(transA: true, m: n, n: n, k: rows, a: xi, lda: n, b: r0, ldb: n, beta: 1, c: D + drive.recurrent.offset, ldc: n)
                        } else if steps > 1 {
                            BLAS.gemm(transA: true, m: n, n: n, k: rows - size, a: xi + slice, lda: n, b: model.rates(p, step: 1)!, ldb: n,
                                      beta: 1, c: D + drive.recurrent.offset, ldc: n)
                        }
                        BLAS.gemm(transA: true, m: n, n: nIn, k: rows, a: xi, lda: n, b: X, ldb: nIn, beta: 1, c: D + drive.input.offset, ldc: nIn)
                        let bo = drive.bias.offset, co = drive.readoutBias.offset
                        addRows(xi, rows: rows, columns: n, into: D + bo)
                        if readout {
                            BLAS.gemm(transA: true, m: nOut, n: n, k: rows, a: z, lda: nOut, b: model.rates(p, step: 1)!, ldb: n,
                                      beta: 1, c: D + drive.readout.offset, ldc: n)
                            addRows(z, rows: rows, columns: nOut, into: D + co)
                        }
                        // Diagonal groups the drive noise reaches: dλ_j += Σ ξ_j,t q_j,t.
                        driveFactor.withUnsafeMutableBufferPointer { Q in
                            let q = Q.baseAddress!
                            for (g, group) in drive.diagonal.enumerated() {
                                for t in 0..<steps {
                                    guard model.driveFactor(group: g, constants: K, parameters: P, rows: size, previous: p.states + t * slice, into: q)
                                    else { break }
                                    let x = xi + t * slice
                                    for b in 0..<size { for j in 0..<n { D[group.offset + j] += x[b * n + j] * q[b * n + j] } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The same for a gated model: drive k of gate g gets Σ ξ_g,t ⊙ q_k,t against its input (h_{t-1}, x_t
    /// or 1), q_k = 1 unless the drive is scaled (the GRU's m: q = r_t of the perturbed pass).
    private func accumulateGated<M: GatedSensitivityModel>(_ model: M, batch: Batch, readout: Bool, into direction: inout [Double]) {
        let steps = batch.steps, size = batch.size, n = model.hiddenSize, nIn = model.inputSize, nOut = model.outputSize
        let rows = steps * size, slice = size * n, width = model.gateCount * n
        perturbed.withReadOnlyPointers { p in
            withPointers(noise.preactivation!.data, outputNoise.data, batch.inputs.data) { xi, z, X in
                direction.withUnsafeMutableBufferPointer { d in
                    driveFactor.withUnsafeMutableBufferPointer { Q in
                        let D = d.baseAddress!, q = Q.baseAddress!
                        for (k, drive) in model.drives.enumerated() {
                            let gateNoise = xi + drive.gate * n  // rows of `width`
                            if drive.scaled {
                                for t in 0..<steps {
                                    model.driveFactor(drive: k, step: t, trajectory: p, rows: size, into: q)
                                    let x = gateNoise + t * size * width
                                    for b in 0..<size { for j in 0..<n { q[b * n + j] *= x[b * width + j] } }
                                    if let w = drive.recurrent {
                                        BLAS.gemm(transA: true, m: n, n: n, k: size, a: q, lda: n, b: p.states + t * slice, ldb: n,
                                                  beta: 1, c: D + w.offset, ldc: n)
                                    }
                                    if let u = drive.input {
                                        BLAS.gemm(transA: true, m: n, n: nIn, k: size, a: q, lda: n, b: X + t * size * nIn, ldb: nIn,
                                                  beta: 1, c: D + u.offset, ldc: nIn)
                                    }
                                    if let bias = drive.bias { for b in 0..<size { for j in 0..<n { D[bias.offset + j] += q[b * n + j] } } }
                                }
                                continue
                            }
                            // ξ_t against h_{t-1}: from step 2 on when h_0 = 0 (the same sums as before
                            // initial states existed), from step 1 on with the batch's initial state.
                            if let w = drive.recurrent {
                                let first = batch.initialState == nil ? 1 : 0
                                if steps > first {
                                    BLAS.gemm(transA: true, m: n, n: n, k: rows - first * size, a: gateNoise + first * size * width, lda: width,
                                              b: p.states + first * slice, ldb: n, beta: 1, c: D + w.offset, ldc: n)
                                }
                            }
                            if let u = drive.input {
                                BLAS.gemm(transA: true, m: n, n: nIn, k: rows, a: gateNoise, lda: width, b: X, ldb: nIn, beta: 1, c: D + u.offset, ldc: nIn)
                            }
                            if let bias = drive.bias { for r in 0..<rows { for j in 0..<n { D[bias.offset + j] += gateNoise[r * width + j] } } }
                        }
                        // The readout, from the output noise against h_t (unless the delta rule replaces it).
                        if readout {
                            BLAS.gemm(transA: true, m: nOut, n: n, k: rows, a: z, lda: nOut, b: p.states + slice, ldb: n,
                                      beta: 1, c: D + model.readout.offset, ldc: n)
                            for r in 0..<rows { for k in 0..<nOut { D[model.readoutBias.offset + k] += z[r * nOut + k] } }
                        }
                    }
                }
            }
        }
    }
}
