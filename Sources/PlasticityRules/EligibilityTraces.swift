import Dense

/// The online, local gradient estimate shared by e-prop and RFLO, written once for every
/// `LocalRecurrentModel` from its local derivatives (gain_j = ∂h_j,t/∂a_j,t, leak_j = the explicit
/// ∂h_j,t/∂h_j,t-1, and ∂h_j,t/∂λ_j for each diagonal group λ). Per trial and synapse a trace,
/// decaying with the postsynaptic neuron's leak:
///   e_ji,t = leak_j,t e_ji,t-1 + gain_j,t r_i,t-1      (x_i,t for U; 1 for b)
///   e_j,t  = leak_j,t e_j,t-1  + ∂h_j,t/∂λ_j            (each diagonal group, when trained)
/// (leaky RNN: leak = 1 - α, gain = α f'(a), r = h, λ = tau; PLRNN: leak = A, gain = 1, r = relu(z), λ = A)
/// and a learning signal L_t = (dY_t B) ⊙ φ'(h_t) (B: out × N; B = V gives symmetric e-prop), so that
///   dW_ji = Σ_t L_j,t e_ji,t.
/// With TCR the learning signal gains its local term dR/dh_j,t (`TemporalConsistency.localLearningSignal`:
/// neuron j's own states at t-1, t, t+1; an online implementation applies it one step late).
/// The traces are RTRL's sensitivities without the W term of the Jacobian, so with W = 0 they are exact.
/// The readout V, c learns by its exact local delta rule.
/// How it is computed on a `LocalRecurrentModel`: unrolling the trace, Σ_t L_j,t e_ji,t = Σ_s gain_j,s r_i,s-1 M_j,s with
/// M_j,s = L_j,s + leak_j,s+1 M_j,s+1 (the learning signal discounted by the postsynaptic leak, one backward
/// recursion over B·N values), so dW = Σ_s (gain ⊙ M)_s^T r_s-1 is one gemm over all T·B rows, as are dU and db,
/// and dλ = Σ_s ∂h_s/∂λ ⊙ M_s. Identical to the forward-in-time trace sweep in exact arithmetic (the rule's
/// estimate and locality are unchanged: M only reorders the sum), without its O(B·N²) work and memory per step;
/// `forwardSweep` keeps the trace sweep, and the tests check that both agree.
/// Gated models (`GatedSensitivityModel`: GRU, LSTM) carry the traces through each neuron's own state
/// (`runGated`: the LSTM's cell path, as Bellec et al. 2020 give them).
package final class EligibilityTraces {
    let objective: Objective
    /// Whether the diagonal groups (tau, A) learn by their traces (e-prop) or stay fixed (RFLO).
    let trainsDiagonal: Bool
    var trajectory: Trajectory
    var outputGradient: Tensor3
    /// L_t for all steps and trials, (T, B, N).
    var learningSignal: Tensor3
    /// One step's TCR term of the learning signal, B × N.
    var tcrSignal: [Double]
    /// Traces per trial: W (B·N·N), U (B·N·I), b (B·N), diagonal groups (G·B·N).
    var traceW: [Double]
    var traceU: [Double]
    var traceB: [Double]
    var traceDiagonal: [Double]
    /// One step's local derivatives: gain, leak (B·N each), then the diagonal groups' (G·B·N).
    var local: [Double]
    /// Gated models: one parameter's new eligibility vector (S values); `traceW` holds the vectors.
    var componentScratch: [Double]
    /// Local models: gain ⊙ M for all steps and trials (T, B, N), the rows of the weight-gradient gemms.
    var weightedSignal: Tensor3
    /// Local models: M_t and leak_t+1 of the backward recursion (B·N each).
    var discounted: [Double]
    /// Run the forward-in-time trace sweep instead (the reference the tests compare with).
    var forwardSweep = false

    package init(model: any RecurrentModel, objective: Objective, batchSize: Int, maxSteps: Int, trainsDiagonal: Bool) {
        self.objective = objective
        self.trainsDiagonal = trainsDiagonal
        let n = model.hiddenSize, groups = (model as? any LocalRecurrentModel)?.drive.diagonal.count ?? 0
        trajectory = model.makeTrajectory(capacity: maxSteps, batch: batchSize)
        outputGradient = Tensor3(steps: maxSteps, batch: batchSize, width: model.outputSize)
        learningSignal = Tensor3(steps: maxSteps, batch: batchSize, width: n)
        tcrSignal = [Double](repeating: 0, count: objective.tcr == nil ? 0 : batchSize * n)
        // The per-synapse traces only for the reference sweep (`prepareForwardSweep`).
        (traceW, traceU, traceB, traceDiagonal) = ([], [], [], [])
        local = [Double](repeating: 0, count: (2 + groups) * batchSize * n)
        componentScratch = []
        weightedSignal = Tensor3(steps: maxSteps, batch: batchSize, width: n)
        discounted = [Double](repeating: 0, count: 2 * batchSize * n)
        if let gated = model as? any GatedSensitivityModel {
            // One eligibility vector per trial, state component and drive parameter; the step's ∂s/∂d_k and coupling.
            let components = gated.stateComponents
            traceW = [Double](repeating: 0, count: batchSize * components * gated.driveParameterCount)
            (traceU, traceB, traceDiagonal) = ([], [], [])
            local = [Double](repeating: 0, count: (gated.drives.count + components) * components * batchSize * n)
            componentScratch = [Double](repeating: 0, count: components)
            weightedSignal = Tensor3(steps: 0, batch: batchSize, width: n)
            discounted = []
        }
    }

    /// The doubles this rule's own buffers hold besides its trajectory and output gradient: what `RunMemory`
    /// estimates for e-prop and RFLO (the tests compare the two).
    package var workspaceDoubles: Int {
        [learningSignal.data, weightedSignal.data, traceW, traceU, traceB, traceDiagonal, local, componentScratch, discounted, tcrSignal]
            .reduce(0) { $0 + $1.count }
    }

    /// Switches a local model's run to the forward-in-time trace sweep (tests), allocating its traces.
    package func prepareForwardSweep(model: any LocalRecurrentModel, batchSize: Int) {
        let n = model.hiddenSize, groups = model.drive.diagonal.count
        traceW = [Double](repeating: 0, count: batchSize * n * n)
        traceU = [Double](repeating: 0, count: batchSize * n * model.inputSize)
        traceB = [Double](repeating: 0, count: batchSize * n)
        traceDiagonal = [Double](repeating: 0, count: groups * batchSize * n)
        forwardSweep = true
    }

    /// `feedback`: B (out × N, row-major); nil means V (symmetric).
    package func direction(model: any RecurrentModel, batch: Batch, feedback: [Double]?, into direction: inout [Double]) -> StepStats {
        if let local = model as? any LocalRecurrentModel { return run(local, batch: batch, feedback: feedback, into: &direction) }
        guard let gated = model as? any GatedSensitivityModel else { preconditionFailure("trace rules need a LocalRecurrentModel or a GatedSensitivityModel") }
        return runGated(gated, batch: batch, feedback: feedback, into: &direction)
    }

    /// The part every model shares: `OnlineGradient.begin` (the forward pass, the loss and dY, the readout's
    /// exact delta rule, L_t = (dY_t B) ⊙ φ'(h_t)), then TCR's local term of L_t. Returns the task loss and the penalty.
    private func begin(
        _ model: any RecurrentModel, batch: Batch, feedback: [Double]?, readout: ParameterGroup, readoutBias: ParameterGroup,
        rates: (TrajectoryPointers) -> UnsafePointer<Double>, rateSlope: ((Double) -> Double)?, into direction: inout [Double]
    ) -> (loss: Double, penalty: Double) {
        let loss = OnlineGradient.begin(
            objective: objective, model: model, batch: batch, feedback: feedback, readout: readout, readoutBias: readoutBias,
            rates: rates, rateSlope: rateSlope, trajectory: &trajectory, outputGradient: &outputGradient, signal: &learningSignal,
            into: &direction)
        let lambda = objective.tcrLambda
        let penalty = TemporalConsistency.penalty(trajectory, lambda: lambda)
        if lambda > 0 {
            learningSignal.data.withUnsafeMutableBufferPointer { L in
                addTCRSignal(into: L.baseAddress!, steps: batch.steps, slice: batch.size * model.hiddenSize, lambda: lambda)
            }
        }
        return (loss, penalty)
    }

    private func run<M: LocalRecurrentModel>(_ model: M, batch: Batch, feedback: [Double]?, into direction: inout [Double]) -> StepStats {
        let drive = model.drive
        let (loss, penalty) = begin(
            model, batch: batch, feedback: feedback, readout: drive.readout, readoutBias: drive.readoutBias,
            rates: { UnsafePointer(model.rates($0, step: 1)!) }, rateSlope: M.ratesAreStates ? nil : { model.rateSlope($0) }, into: &direction)
        let constants = model.stepConstants()
        trajectory.withReadOnlyPointers { p in
            withPointers(model.parameters, batch.inputs.data, constants) { P, X, K in
                direction.withUnsafeMutableBufferPointer { d in
                    let D = d.baseAddress!
                    learningSignal.data.withUnsafeBufferPointer { L in
                        if forwardSweep {
                            sweep(model, P: P, K: K, D: D, p: p, X: X, L: L.baseAddress!, steps: batch.steps, size: batch.size)
                        } else {
                            reverseAccumulation(model, P: P, K: K, D: D, p: p, X: X, L: L.baseAddress!, steps: batch.steps, size: batch.size)
                        }
                    }
                    for i in model.frozenIndices { D[i] = 0 }
                }
            }
        }
        return StepStats(loss: loss + penalty, taskLoss: loss)
    }

    /// L_t += dR/dh_t for every step (row t of L belongs to h_{t+1}).
    private func addTCRSignal(into L: UnsafeMutablePointer<Double>, steps: Int, slice: Int, lambda: Double) {
        tcrSignal.withUnsafeMutableBufferPointer { S in
            let s = S.baseAddress!
            for t in 0..<steps {
                TemporalConsistency.localLearningSignal(trajectory, step: t + 1, lambda: lambda, into: s)
                let l = L + t * slice
                for i in 0..<slice { l[i] += s[i] }
            }
        }
    }

    /// The same sums as `sweep`, reordered (type comment): backward in time M_t = L_t + leak_t+1 ⊙ M_t+1, the
    /// diagonal groups' dλ += ∂h_t/∂λ ⊙ M_t, and gain_t ⊙ M_t stored for dW, dU, db (one gemm or sum each).
    private func reverseAccumulation<M: LocalRecurrentModel>(
        _ model: M, P: UnsafePointer<Double>, K: UnsafePointer<Double>, D: UnsafeMutablePointer<Double>,
        p: TrajectoryPointers, X: UnsafePointer<Double>, L: UnsafePointer<Double>, steps: Int, size: Int
    ) {
        let n = model.hiddenSize, nIn = model.inputSize, slice = size * n, drive = model.drive
        let groups = drive.diagonal.count, trainsDiagonal = self.trainsDiagonal, rows = steps * size
        weightedSignal.resize(steps: steps)
        withMutablePointers(&weightedSignal.data, &discounted, &local) { Q, MB, LD in
            let m = MB, leakNext = MB + slice
            let gain = LD, leak = LD + slice, dDiagonal = LD + 2 * slice
            for i in 0..<slice { leakNext[i] = 0 }
            for i in 0..<slice { m[i] = 0 }
            for t in stride(from: steps - 1, through: 0, by: -1) {
                model.localDerivatives(
                    constants: K, parameters: P, rows: size, previous: p.states + t * slice, preactivation: p.preactivations + t * slice,
                    auxiliary: p.activations + t * slice, gain: gain, leak: leak, diagonal: dDiagonal)
                let l = L + t * slice, q = Q + t * slice
                for i in 0..<slice {
                    let mi = l[i] + leakNext[i] * m[i]
                    m[i] = mi
                    q[i] = gain[i] * mi
                    leakNext[i] = leak[i]
                }
                if trainsDiagonal {
                    for g in 0..<groups {
                        let o = drive.diagonal[g].offset, e = dDiagonal + g * slice
                        for b in 0..<size { for j in 0..<n { D[o + j] += e[b * n + j] * m[b * n + j] } }
                    }
                }
            }
            // dW = Σ_t q_t^T r_t-1 (r_0 = 0 unless the rates are the states, then h_0 = 0 too), dU = Σ_t q_t^T x_t, db = Σ q.
            let gW = D + drive.recurrent.offset
            if let r0 = model.rates(p, step: 0) {
                BLAS.gemm(transA: true, m: n, n: n, k: rows, a: Q, lda: n, b: r0, ldb: n, beta: 1, c: gW, ldc: n)
            } else if steps > 1 {
                BLAS.gemm(transA: true, m: n, n: n, k: rows - size, a: Q + slice, lda: n, b: model.rates(p, step: 1)!, ldb: n,
                          beta: 1, c: gW, ldc: n)
            }
            BLAS.gemm(transA: true, m: n, n: nIn, k: rows, a: Q, lda: n, b: X, ldb: nIn, beta: 1, c: D + drive.input.offset, ldc: nIn)
            let bo = drive.bias.offset
            addRows(Q, rows: rows, columns: n, into: D + bo)
        }
    }

    /// The forward-in-time sweep: the step's local derivatives, then every trace, then L_t ⊙ e_t into the direction.
    private func sweep<M: LocalRecurrentModel>(
        _ model: M, P: UnsafePointer<Double>, K: UnsafePointer<Double>, D: UnsafeMutablePointer<Double>,
        p: TrajectoryPointers, X: UnsafePointer<Double>, L: UnsafePointer<Double>, steps: Int, size: Int
    ) {
        let n = model.hiddenSize, nIn = model.inputSize, slice = size * n, drive = model.drive
        let groups = drive.diagonal.count, trainsDiagonal = self.trainsDiagonal
        let gW = D + drive.recurrent.offset, gU = D + drive.input.offset, bo = drive.bias.offset
        withMutablePointers(&traceW, &traceU, &traceB) { EW, EU, EB in
            withMutablePointers(&traceDiagonal, &local) { ED, LD in
                for i in 0..<(size * n * n) { EW[i] = 0 }
                for i in 0..<(size * n * nIn) { EU[i] = 0 }
                for i in 0..<slice { EB[i] = 0 }
                for i in 0..<(groups * slice) { ED[i] = 0 }
                let gain = LD, leak = LD + slice, dDiagonal = LD + 2 * slice
                for t in 0..<steps {
                    let hPrev = p.states + t * slice
                    model.localDerivatives(
                        constants: K, parameters: P, rows: size, previous: hPrev, preactivation: p.preactivations + t * slice,
                        auxiliary: p.activations + t * slice, gain: gain, leak: leak, diagonal: dDiagonal)
                    let rPrev = model.rates(p, step: t)
                    for b in 0..<size {
                        let row = b * n, l = L + t * slice + row
                        let x = X + (t * size + b) * nIn
                        for j in 0..<n {
                            let k = row + j, lj = l[j], lk = leak[k], gk = gain[k]
                            let ew = EW + (b * n + j) * n, gw = gW + j * n
                            if let rPrev {
                                let r = rPrev + row
                                for i in 0..<n {
                                    let e = lk * ew[i] + gk * r[i]
                                    ew[i] = e
                                    gw[i] += lj * e
                                }
                            } else {
                                for i in 0..<n {
                                    let e = lk * ew[i]
                                    ew[i] = e
                                    gw[i] += lj * e
                                }
                            }
                            let eu = EU + (b * n + j) * nIn, gu = gU + j * nIn
                            for i in 0..<nIn {
                                let e = lk * eu[i] + gk * x[i]
                                eu[i] = e
                                gu[i] += lj * e
                            }
                            EB[k] = lk * EB[k] + gk
                            D[bo + j] += lj * EB[k]
                            if trainsDiagonal {
                                for g in 0..<groups {
                                    let e = ED + g * slice
                                    e[k] = lk * e[k] + dDiagonal[g * slice + k]
                                    D[drive.diagonal[g].offset + j] += lj * e[k]
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// E-prop on a gated model (Bellec et al. 2020 give these traces for the LSTM). Per trial, state component s
    /// and drive parameter θ of neuron j (W_k[j, i], U_k[j, i], b_k[j]) an eligibility vector carried through
    /// neuron j's own state only (the coupling C_t: the LSTM's f_t and o (1 - tanh² c) f_t, the GRU's z_t):
    ///   ε_s,θ,t = Σ_s' C_t[s, s'] ε_s',θ,t-1 + ∂s_j,t/∂d_k,j · (h_i,t-1 for W, x_i,t for U, 1 for b),
    /// and dθ = Σ_t L_j,t ε_h,θ,t. These are RTRL's sensitivities without the W_k terms of the Jacobian,
    /// so exact when every W_k = 0. There are no diagonal groups, so `trainsDiagonal` does not apply.
    private func runGated<M: GatedSensitivityModel>(_ model: M, batch: Batch, feedback: [Double]?, into direction: inout [Double]) -> StepStats {
        let (loss, penalty) = begin(
            model, batch: batch, feedback: feedback, readout: model.readout, readoutBias: model.readoutBias,
            rates: { UnsafePointer($0.states + $0.slice) }, rateSlope: nil, into: &direction)
        let steps = batch.steps, size = batch.size, n = model.hiddenSize, nIn = model.inputSize
        let components = model.stateComponents, drives = model.drives, columns = model.driveParameterCount
        let slice = size * n, derivatives = drives.count * components * slice
        trajectory.withReadOnlyPointers { p in
            withPointers(batch.inputs.data, [], []) { X, _, _ in
                direction.withUnsafeMutableBufferPointer { d in
                    let D = d.baseAddress!
                    learningSignal.data.withUnsafeBufferPointer { Lbuf in
                        withMutablePointers(&traceW, &local, &componentScratch) { E, LD, next in
                            for i in 0..<(size * components * columns) { E[i] = 0 }
                            for t in 0..<steps {
                                model.localDerivatives(step: t, trajectory: p, rows: size, drive: LD, coupling: LD + derivatives)
                                for b in 0..<size {
                                    let e = E + b * components * columns, l = Lbuf.baseAddress! + t * slice + b * n
                                    let hPrev = p.states + t * slice + b * n, x = X + (t * size + b) * nIn
                                    for (k, drive) in drives.enumerated() {
                                        for j in 0..<n {
                                            let cell = b * n + j
                                            /// Parameter `column` of neuron j, with presynaptic value v.
                                            func trace(_ column: Int, _ v: Double) {
                                                for s in 0..<components {
                                                    var value = LD[(k * components + s) * slice + cell] * v
                                                    for s2 in 0..<components {
                                                        value += LD[derivatives + (s * components + s2) * slice + cell] * e[s2 * columns + column]
                                                    }
                                                    next[s] = value
                                                }
                                                for s in 0..<components { e[s * columns + column] = next[s] }
                                                D[column] += l[j] * next[0]
                                            }
                                            if let w = drive.recurrent { for i in 0..<n { trace(w.offset + j * n + i, hPrev[i]) } }
                                            if let u = drive.input { for i in 0..<nIn { trace(u.offset + j * nIn + i, x[i]) } }
                                            if let bias = drive.bias { trace(bias.offset + j, 1) }
                                        }
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

/// The start the online rules share (RTRL, and e-prop and RFLO through `EligibilityTraces`), before their
/// forward-in-time sweeps: the forward pass, the loss and dY, the readout's exact delta rule, and the signal
/// (dY_t B) ⊙ φ'(h_t) for all steps and trials — with B = V RTRL's direct dL/dh_t, with the rule's feedback
/// B e-prop's learning signal. The buffers are the rule's own.
enum OnlineGradient {
    /// Sizes and zeroes `direction` and writes the readout's dV, dc into it; `feedback` is B (out × N, row-major),
    /// nil for V; `rates(p)` = r_1 (rows of consecutive steps contiguous); `rateSlope` nil when φ is the identity.
    /// Returns the task loss.
    static func begin(
        objective: Objective, model: any RecurrentModel, batch: Batch, feedback: [Double]?, readout: ParameterGroup,
        readoutBias: ParameterGroup, rates: (TrajectoryPointers) -> UnsafePointer<Double>, rateSlope: ((Double) -> Double)?,
        trajectory: inout Trajectory, outputGradient: inout Tensor3, signal: inout Tensor3, into direction: inout [Double]
    ) -> Double {
        let steps = batch.steps, size = batch.size, n = model.hiddenSize, nOut = model.outputSize
        precondition(size <= trajectory.batch, "batch larger than the rule's workspace")
        if direction.count != model.layout.count { direction = [Double](repeating: 0, count: model.layout.count) }
        objective.forward(model, batch, into: &trajectory)
        outputGradient.resize(steps: steps)
        signal.resize(steps: steps)
        let loss = outputGradient.data.withUnsafeMutableBufferPointer { g in
            Loss.evaluate(objective.lossKind, outputs: trajectory.outputs, batch: batch, gradient: g.baseAddress!)
        }
        let slice = size * n
        trajectory.withReadOnlyPointers { p in
            withPointers(model.parameters, feedback ?? [], []) { P, fb, _ in
                let B = feedback == nil ? P + readout.offset : fb
                direction.withUnsafeMutableBufferPointer { d in
                    let D = d.baseAddress!
                    for i in 0..<d.count { D[i] = 0 }
                    outputGradient.data.withUnsafeBufferPointer { DY in
                        // Readout: the exact local delta rule, dV = Σ_t dY_t^T r_t, dc = Σ dY.
                        readoutGradient(
                            dY: DY.baseAddress!, rates: rates(p), rows: steps * size, hidden: n, outputs: nOut,
                            readoutOffset: readout.offset, readoutBiasOffset: readoutBias.offset, into: D)
                        signal.data.withUnsafeMutableBufferPointer { S in
                            let L = S.baseAddress!
                            BLAS.gemm(m: steps * size, n: n, k: nOut, a: DY.baseAddress!, lda: nOut, b: B, ldb: n, beta: 0, c: L, ldc: n)
                            if let rateSlope {
                                let h = p.states + slice
                                for i in 0..<(steps * slice) { L[i] *= rateSlope(h[i]) }
                            }
                        }
                    }
                }
            }
        }
        return loss
    }
}
