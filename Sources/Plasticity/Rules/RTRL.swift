import Dense

/// Real-time recurrent learning: the exact gradient computed forward in time, for every
/// `LocalRecurrentModel`. Per trial it carries the sensitivity P_t = dh_t/dθ (N × P_rec, θ = W, U, b and
/// the diagonal groups), updated with the model's local derivatives and the Jacobian
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
    public static let supportedModels = ModelKind.local
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
    /// W diag(φ'(h_{t-1})) for one trial and step (N × N), when φ is not the identity.
    var scaledRecurrent: [Double]

    public init(settings: [String: Double], model: any RecurrentModel, objective: Objective, batchSize: Int, maxSteps: Int) throws {
        self.objective = objective
        trajectory = model.makeTrajectory(capacity: maxSteps, batch: batchSize)
        outputGradient = Tensor3(steps: maxSteps, batch: batchSize, width: model.outputSize)
        stateGradient = Tensor3(steps: maxSteps, batch: batchSize, width: model.hiddenSize)
        tcrGradient = Tensor3(steps: objective.tcr == nil ? 0 : maxSteps + 1, batch: batchSize, width: model.hiddenSize)
        let n = model.hiddenSize, groups = (model as? any LocalRecurrentModel)?.drive.diagonal.count ?? 0
        let columns = n * n + n * model.inputSize + n + groups * n
        sensitivity = [Double](repeating: 0, count: n * columns)
        product = sensitivity
        recurrentGradient = [Double](repeating: 0, count: columns)
        local = [Double](repeating: 0, count: maxSteps * (2 + groups) * batchSize * n)
        scaledRecurrent = [Double](repeating: 0, count: n * n)
    }

    public func direction(model: any RecurrentModel, batch: Batch, noise: RandomSource, into direction: inout [Double]) -> StepStats {
        guard let local = model as? any LocalRecurrentModel else { preconditionFailure("rtrl needs a LocalRecurrentModel") }
        return run(local, batch: batch, into: &direction)
    }

    private func run<M: LocalRecurrentModel>(_ model: M, batch: Batch, into direction: inout [Double]) -> StepStats {
        let steps = batch.steps, size = batch.size, n = model.hiddenSize, nIn = model.inputSize, nOut = model.outputSize
        let layout = model.layout, drive = model.drive, groups = drive.diagonal.count
        let cU = n * n, cB = cU + n * nIn, cDiagonal = cB + n, columns = cDiagonal + groups * n
        if direction.count != layout.count { direction = [Double](repeating: 0, count: layout.count) }

        objective.forward(model, batch.inputs, into: &trajectory)
        outputGradient.resize(steps: steps)
        stateGradient.resize(steps: steps)
        let loss = outputGradient.data.withUnsafeMutableBufferPointer { g in
            Loss.evaluate(objective.lossKind, outputs: trajectory.outputs, batch: batch, gradient: g.baseAddress!)
        }
        let lambda = objective.tcrLambda
        let penalty = lambda > 0 ? TemporalConsistency.stateGradient(trajectory, lambda: lambda, into: &tcrGradient) : 0
        let slice = size * n, perStep = (2 + groups) * slice
        let constants = model.stepConstants()
        trajectory.withReadOnlyPointers { p in
            withPointers(model.parameters, batch.inputs.data, constants) { P, X, K in
                direction.withUnsafeMutableBufferPointer { d in
                    let D = d.baseAddress!
                    for i in 0..<layout.count { D[i] = 0 }
                    outputGradient.data.withUnsafeBufferPointer { DY in
                        // Readout: dV = Σ_t dY_t^T r_t, dc = Σ dY (one gemm over all steps and trials).
                        readoutGradient(
                            dY: DY.baseAddress!, rates: model.rates(p, step: 1)!, rows: steps * size, hidden: n, outputs: nOut,
                            drive: drive, into: D)
                        stateGradient.data.withUnsafeMutableBufferPointer { Gbuf in
                            let G = Gbuf.baseAddress!
                            // dL/dh_t (direct part) = (dY_t V) ⊙ φ'(h_t) for all t and trials at once.
                            BLAS.gemm(m: steps * size, n: n, k: nOut, a: DY.baseAddress!, lda: nOut, b: P + drive.readout.offset, ldb: n,
                                      beta: 0, c: G, ldc: n)
                            if !M.ratesAreStates {
                                let h = p.states + slice
                                for i in 0..<(steps * slice) { G[i] *= model.rateSlope(h[i]) }
                            }
                            // With TCR: + dR/dh_t (its slices 1...T line up with G's rows 0..<T).
                            if lambda > 0 {
                                tcrGradient.data.withUnsafeBufferPointer { R in
                                    for i in 0..<(steps * slice) { G[i] += R[slice + i] }
                                }
                            }
                            withMutablePointers(&sensitivity, &product, &recurrentGradient) { s, ws, rg in
                                withMutablePointers(&local, &scaledRecurrent) { LD, scaledW in
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
                            }
                        }
                    }
                    for i in model.frozenIndices { D[i] = 0 }
                }
            }
        }
        return StepStats(loss: loss + penalty, taskLoss: loss)
    }
}
