import Dense

/// Real-time recurrent learning: the exact gradient computed forward in time, for every
/// `LocalRecurrentModel` and every `GatedSensitivityModel` (GRU, LSTM: `runGated`). On a local model it
/// carries per trial the sensitivity P_t = dh_t/dθ (N × P_rec, θ = W, U, b and the diagonal groups), updated with the model's local derivatives and the Jacobian
/// J_t = diag(leak_t) + diag(gain_t) W diag(φ'(h_{t-1})):
///   P_t = J_t P_{t-1} + (direct terms of step t: gain_j r_i,t-1 for W_ji, gain_j x_i for U_ji, gain_j for b_j,
///         ∂h_j,t/∂λ_j for each diagonal group),
///   dL/dθ += (dL/dh_t)^T P_t with dL/dh_t = (dY_t V) ⊙ φ'(h_t) (the loss at step t only)
///   plus, with TCR, its direct state gradient dR/dh_t (`TemporalConsistency.stateGradient`), so the
///   penalty's gradient flows through the same sensitivities and stays exact,
/// and the readout V, c gets its exact local gradient. Equals BPTT's gradient to rounding.
/// O(N⁴) per step: a small-N reference.
public final class RTRL: LearningRule {
    public static let id = "rtrl"
    public static let locality = Locality.online
    public static let summary = "real-time recurrent learning: the exact gradient, forward in time (small N only)"
    public static let citation = "Williams & Zipser 1989, Neural Computation 1(2)"
    public static let hyperparameters: [ParameterSpec] = []
    public static let supportedModels = ModelKind.localOrGated
    public static let cost = "memory O(B·N·(N² + N·I)) for the sensitivities; compute O(N²·(N² + N·I)) per trial and step"

    let objective: Objective
    var trajectory: Trajectory
    var outputGradient: Tensor3
    /// dL/dh_t through the readout, (T, B, N).
    var stateGradient: Tensor3
    /// dR_TCR/dh_t, (T+1, B, N); sized for the longest trial only when the objective carries TCR.
    var tcrGradient: Tensor3
    /// One trial's sensitivity and the W̃·P product, each N × P_rec.
    var sensitivity: [Double]
    var product: [Double]
    /// Gradient in the sensitivity's column order [W, U, b, diagonal groups].
    var recurrentGradient: [Double]
    /// The local derivatives of every step: per step gain, leak (B·N each) and the diagonal groups' (G·B·N).
    var local: [Double]
    /// Local models: W diag(φ'(h_{t-1})) for one trial and step (N × N), when φ is not the identity.
    /// Gated models: W_k P_{t-1} (the h rows) for every drive k, each N × columns.
    var work: [Double]

    public init(settings: [String: Double], model: any RecurrentModel, objective: Objective, batchSize: Int, maxSteps: Int) throws {
        self.objective = objective
        trajectory = model.makeTrajectory(capacity: maxSteps, batch: batchSize)
        outputGradient = Tensor3(steps: maxSteps, batch: batchSize, width: model.outputSize)
        stateGradient = Tensor3(steps: maxSteps, batch: batchSize, width: model.hiddenSize)
        tcrGradient = Tensor3(steps: objective.tcr == nil ? 0 : maxSteps + 1, batch: batchSize, width: model.hiddenSize)
        let n = model.hiddenSize
        if let gated = model as? any GatedSensitivityModel {
            // Sensitivities of the S state components to every drive parameter (columns = flat indices before V).
            let columns = gated.driveParameterCount, components = gated.stateComponents, drives = gated.drives.count
            sensitivity = [Double](repeating: 0, count: components * n * columns)
            product = sensitivity
            work = [Double](repeating: 0, count: drives * n * columns)
            recurrentGradient = [Double](repeating: 0, count: columns)
            local = [Double](repeating: 0, count: maxSteps * (drives + components) * components * batchSize * n)
            return
        }
        let groups = (model as? any LocalRecurrentModel)?.drive.diagonal.count ?? 0
        let columns = n * n + n * model.inputSize + n + groups * n
        sensitivity = [Double](repeating: 0, count: n * columns)
        product = sensitivity
        recurrentGradient = [Double](repeating: 0, count: columns)
        local = [Double](repeating: 0, count: maxSteps * (2 + groups) * batchSize * n)
        work = [Double](repeating: 0, count: n * n)
    }

    public func direction(model: any RecurrentModel, batch: Batch, noise: RandomSource, into direction: inout [Double]) -> StepStats {
        if let local = model as? any LocalRecurrentModel { return run(local, batch: batch, into: &direction) }
        guard let gated = model as? any GatedSensitivityModel else { preconditionFailure("rtrl needs a LocalRecurrentModel or a GatedSensitivityModel") }
        return runGated(gated, batch: batch, into: &direction)
    }

    /// The part both paths share: `OnlineGradient.begin` with B = V (the forward pass, the loss and dY, the
    /// readout's exact gradient, `stateGradient` = dL/dh_t = (dY_t V) ⊙ φ'(h_t)), then TCR's dR/dh_t added to
    /// `stateGradient`. Returns the task loss and the penalty.
    private func begin(
        _ model: any RecurrentModel, batch: Batch, readout: ParameterGroup, readoutBias: ParameterGroup,
        rates: (TrajectoryPointers) -> UnsafePointer<Double>, rateSlope: ((Double) -> Double)?, into direction: inout [Double]
    ) -> (loss: Double, penalty: Double) {
        let loss = OnlineGradient.begin(
            objective: objective, model: model, batch: batch, feedback: nil, readout: readout, readoutBias: readoutBias,
            rates: rates, rateSlope: rateSlope, trajectory: &trajectory, outputGradient: &outputGradient, signal: &stateGradient,
            into: &direction)
        let lambda = objective.tcrLambda
        guard lambda > 0 else { return (loss, 0) }
        let penalty = TemporalConsistency.stateGradient(trajectory, lambda: lambda, into: &tcrGradient)
        // + dR/dh_t (its slices 1...T line up with the rows 0..<T of stateGradient).
        let slice = batch.size * model.hiddenSize
        stateGradient.data.withUnsafeMutableBufferPointer { G in
            tcrGradient.data.withUnsafeBufferPointer { R in
                for i in 0..<(batch.steps * slice) { G[i] += R[slice + i] }
            }
        }
        return (loss, penalty)
    }

    /// One sweep's pointers (`run`, `runGated`).
    private struct Sweep {
        let p: TrajectoryPointers
        let parameters, inputs, constants, stateGradient: UnsafePointer<Double>
        let direction: UnsafeMutablePointer<Double>
        /// The rule's own buffers.
        let sensitivity, product, recurrentGradient, local, work: UnsafeMutablePointer<Double>
    }

    /// Runs `body` with the pointers of a sweep over the stored pass, then zeroes the frozen parameters' direction.
    private func sweep(_ model: any RecurrentModel, batch: Batch, constants: [Double], direction: inout [Double], body: (Sweep) -> Void) {
        trajectory.withReadOnlyPointers { p in
            withPointers(model.parameters, batch.inputs.data, constants) { P, X, K in
                direction.withUnsafeMutableBufferPointer { d in
                    let D = d.baseAddress!
                    stateGradient.data.withUnsafeBufferPointer { G in
                        withMutablePointers(&sensitivity, &product, &recurrentGradient) { s0, s1, rg in
                            withMutablePointers(&local, &work) { LD, W in
                                body(Sweep(
                                    p: p, parameters: P, inputs: X, constants: K, stateGradient: G.baseAddress!, direction: D,
                                    sensitivity: s0, product: s1, recurrentGradient: rg, local: LD, work: W))
                            }
                        }
                    }
                    for i in model.frozenIndices { D[i] = 0 }
                }
            }
        }
    }

    private func run<M: LocalRecurrentModel>(_ model: M, batch: Batch, into direction: inout [Double]) -> StepStats {
        let steps = batch.steps, size = batch.size, n = model.hiddenSize, nIn = model.inputSize
        let drive = model.drive, groups = drive.diagonal.count
        let cU = n * n, cB = cU + n * nIn, cDiagonal = cB + n, columns = cDiagonal + groups * n
        let (loss, penalty) = begin(
            model, batch: batch, readout: drive.readout, readoutBias: drive.readoutBias, rates: { UnsafePointer(model.rates($0, step: 1)!) },
            rateSlope: M.ratesAreStates ? nil : { model.rateSlope($0) }, into: &direction)
        let slice = size * n, perStep = (2 + groups) * slice
        sweep(model, batch: batch, constants: model.stepConstants(), direction: &direction) { sweep in
            let p = sweep.p, P = sweep.parameters, X = sweep.inputs, K = sweep.constants, D = sweep.direction, G = sweep.stateGradient
            let s = sweep.sensitivity, ws = sweep.product, rg = sweep.recurrentGradient, LD = sweep.local, scaledW = sweep.work
            // The local derivatives of every step, for all trials at once.
            for t in 0..<steps {
                let at = LD + t * perStep
                model.localDerivatives(
                    constants: K, parameters: P, rows: size, previous: p.states + t * slice,
                    preactivation: p.preactivations + t * slice, auxiliary: p.activations + t * slice,
                    gain: at, leak: at + slice, diagonal: at + 2 * slice)
            }
            let W = P + drive.recurrent.offset
            for i in 0..<columns { rg[i] = 0 }
            for b in 0..<size {
                for i in 0..<(n * columns) { s[i] = 0 }
                for t in 0..<steps {
                    let row = t * slice + b * n
                    let x = X + (t * size + b) * nIn
                    let gain = LD + t * perStep + b * n, leak = gain + slice, dDiagonal = gain + 2 * slice
                    let rPrev = model.rates(p, step: t).map { $0 + b * n }
                    // W̃ P_{t-1} with W̃ = W diag(φ'(h_{t-1})); P_0 = 0, so step 0 needs none.
                    var recurrent = W
                    if !M.ratesAreStates {
                        let hPrev = p.states + row
                        for j in 0..<n { for i in 0..<n { scaledW[j * n + i] = W[j * n + i] * model.rateSlope(hPrev[i]) } }
                        recurrent = UnsafePointer(scaledW)
                    }
                    BLAS.gemm(m: n, n: columns, k: n, a: recurrent, lda: n, b: s, ldb: columns, beta: 0, c: ws, ldc: columns)
                    for j in 0..<n {
                        let gj = gain[j], lj = leak[j]
                        let sj = s + j * columns, wsj = ws + j * columns
                        for c in 0..<columns { sj[c] = lj * sj[c] + gj * wsj[c] }
                        if let rPrev { for i in 0..<n { sj[j * n + i] += gj * rPrev[i] } }
                        for i in 0..<nIn { sj[cU + j * nIn + i] += gj * x[i] }
                        sj[cB + j] += gj
                        for g in 0..<groups { sj[cDiagonal + g * n + j] += dDiagonal[g * slice + j] }
                    }
                    // dL/dθ += (dL/dh_t)^T P_t
                    BLAS.gemv(trans: true, m: n, n: columns, a: s, lda: columns, x: G + row, beta: 1, y: rg)
                }
            }
            for i in 0..<(n * n) { D[drive.recurrent.offset + i] = rg[i] }
            for i in 0..<(n * nIn) { D[drive.input.offset + i] = rg[cU + i] }
            for j in 0..<n { D[drive.bias.offset + j] = rg[cB + j] }
            for (g, group) in drive.diagonal.enumerated() {
                for j in 0..<n { D[group.offset + j] = rg[cDiagonal + g * n + j] }
            }
        }
        return StepStats(loss: loss + penalty, taskLoss: loss)
    }

    /// RTRL on a gated model from its per-gate sensitivities (`GatedSensitivityModel`): per trial the
    /// sensitivity P_t = ds_t/dθ of every state component (rows s·N + j) to every drive parameter θ
    /// (columns = flat indices before the readout), with the model's coupling C_t and ∂s_t/∂d_k:
    ///   P_t[s] = Σ_s' C_t[s, s'] P_{t-1}[s'] + Σ_k diag(∂s_t/∂d_k) (W_k P_{t-1}[h] + ∂d_k/∂θ),
    /// ∂d_k/∂θ being h_{t-1} for W_k, x_t for U_k and 1 for b_k; dL/dθ += (dL/dh_t)^T P_t[h].
    private func runGated<M: GatedSensitivityModel>(_ model: M, batch: Batch, into direction: inout [Double]) -> StepStats {
        let steps = batch.steps, size = batch.size, n = model.hiddenSize, nIn = model.inputSize
        let components = model.stateComponents, drives = model.drives, columns = model.driveParameterCount
        let (loss, penalty) = begin(
            model, batch: batch, readout: model.readout, readoutBias: model.readoutBias, rates: { UnsafePointer($0.states + $0.slice) },
            rateSlope: nil, into: &direction)
        let slice = size * n, derivatives = drives.count * components * slice
        let perStep = derivatives + components * components * slice
        sweep(model, batch: batch, constants: [], direction: &direction) { sweep in
            let p = sweep.p, P = sweep.parameters, X = sweep.inputs, D = sweep.direction, G = sweep.stateGradient
            let s0 = sweep.sensitivity, s1 = sweep.product, rg = sweep.recurrentGradient, LD = sweep.local, Q = sweep.work
            for t in 0..<steps {
                let at = LD + t * perStep
                model.localDerivatives(step: t, trajectory: p, rows: size, drive: at, coupling: at + derivatives)
            }
            for i in 0..<columns { rg[i] = 0 }
            for b in 0..<size {
                var previous = s0, next = s1
                for i in 0..<(components * n * columns) { previous[i] = 0 }
                for t in 0..<steps {
                    let dDrive = LD + t * perStep + b * n, coupling = dDrive + derivatives
                    let hPrev = p.states + t * slice + b * n, x = X + (t * size + b) * nIn
                    // W_k P_{t-1}[h] for every recurrent drive; P_0 = 0, so step 0 needs none.
                    if t > 0 {
                        for (k, drive) in drives.enumerated() {
                            guard let w = drive.recurrent else { continue }
                            BLAS.gemm(m: n, n: columns, k: n, a: P + w.offset, lda: n, b: previous, ldb: columns,
                                      beta: 0, c: Q + k * n * columns, ldc: columns)
                        }
                    }
                    for s in 0..<components {
                        for j in 0..<n {
                            let out = next + (s * n + j) * columns
                            for c in 0..<columns { out[c] = 0 }
                            if t > 0 {
                                for s2 in 0..<components {
                                    let cs = coupling[(s * components + s2) * slice + j]
                                    guard cs != 0 else { continue }
                                    let input = previous + (s2 * n + j) * columns
                                    for c in 0..<columns { out[c] += cs * input[c] }
                                }
                            }
                            for (k, drive) in drives.enumerated() {
                                let dk = dDrive[(k * components + s) * slice + j]
                                if let w = drive.recurrent {
                                    if t > 0 {
                                        let q = Q + (k * n + j) * columns
                                        for c in 0..<columns { out[c] += dk * q[c] }
                                    }
                                    for i in 0..<n { out[w.offset + j * n + i] += dk * hPrev[i] }
                                }
                                if let u = drive.input { for i in 0..<nIn { out[u.offset + j * nIn + i] += dk * x[i] } }
                                if let bias = drive.bias { out[bias.offset + j] += dk }
                            }
                        }
                    }
                    swap(&previous, &next)
                    // dL/dθ += (dL/dh_t)^T P_t[h]
                    BLAS.gemv(trans: true, m: n, n: columns, a: previous, lda: columns, x: G + t * slice + b * n, beta: 1, y: rg)
                }
            }
            for i in 0..<columns { D[i] = rg[i] }
        }
        return StepStats(loss: loss + penalty, taskLoss: loss)
    }
}
