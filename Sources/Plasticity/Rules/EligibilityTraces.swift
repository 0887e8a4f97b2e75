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
/// The readout V, c learns by its exact local delta rule. The forward pass runs first and the
/// traces then sweep forward in time, using only quantities available at each step.
final class EligibilityTraces {
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

    init(model: any RecurrentModel, objective: Objective, batchSize: Int, maxSteps: Int, trainsDiagonal: Bool) {
        self.objective = objective
        self.trainsDiagonal = trainsDiagonal
        let n = model.hiddenSize, groups = (model as? any LocalRecurrentModel)?.drive.diagonal.count ?? 0
        trajectory = model.makeTrajectory(capacity: maxSteps, batch: batchSize)
        outputGradient = Tensor3(steps: maxSteps, batch: batchSize, width: model.outputSize)
        learningSignal = Tensor3(steps: maxSteps, batch: batchSize, width: n)
        tcrSignal = [Double](repeating: 0, count: objective.tcr == nil ? 0 : batchSize * n)
        traceW = [Double](repeating: 0, count: batchSize * n * n)
        traceU = [Double](repeating: 0, count: batchSize * n * model.inputSize)
        traceB = [Double](repeating: 0, count: batchSize * n)
        traceDiagonal = [Double](repeating: 0, count: groups * batchSize * n)
        local = [Double](repeating: 0, count: (2 + groups) * batchSize * n)
    }

    /// `feedback`: B (out × N, row-major); nil means V (symmetric).
    func direction(model: any RecurrentModel, batch: Batch, feedback: [Double]?, into direction: inout [Double]) -> StepStats {
        guard let local = model as? any LocalRecurrentModel else { preconditionFailure("trace rules need a LocalRecurrentModel") }
        return run(local, batch: batch, feedback: feedback, into: &direction)
    }

    private func run<M: LocalRecurrentModel>(_ model: M, batch: Batch, feedback: [Double]?, into direction: inout [Double]) -> StepStats {
        let steps = batch.steps, size = batch.size, n = model.hiddenSize, nOut = model.outputSize
        precondition(size <= trajectory.batch, "batch larger than the rule's workspace")
        let layout = model.layout, drive = model.drive
        if direction.count != layout.count { direction = [Double](repeating: 0, count: layout.count) }

        objective.forward(model, batch.inputs, into: &trajectory)
        outputGradient.resize(steps: steps)
        learningSignal.resize(steps: steps)
        let loss = outputGradient.data.withUnsafeMutableBufferPointer { g in
            Loss.evaluate(objective.lossKind, outputs: trajectory.outputs, batch: batch, gradient: g.baseAddress!)
        }
        let lambda = objective.tcrLambda
        let penalty = TemporalConsistency.penalty(trajectory, lambda: lambda)
        let slice = size * n
        let constants = model.stepConstants()
        trajectory.withReadOnlyPointers { p in
            withPointers(model.parameters, feedback ?? [], constants) { P, fb, K in
                let B = feedback == nil ? P + drive.readout.offset : fb
                direction.withUnsafeMutableBufferPointer { d in
                    let D = d.baseAddress!
                    for i in 0..<layout.count { D[i] = 0 }
                    outputGradient.data.withUnsafeBufferPointer { DY in
                        // Readout: the exact local delta rule, dV = Σ_t dY_t^T r_t, dc = Σ dY.
                        readoutGradient(
                            dY: DY.baseAddress!, rates: model.rates(p, step: 1)!, rows: steps * size, hidden: n, outputs: nOut,
                            drive: drive, into: D)
                        learningSignal.data.withUnsafeMutableBufferPointer { Lbuf in
                            let L = Lbuf.baseAddress!
                            // L_t = (dY_t B) ⊙ φ'(h_t) for all steps and trials.
                            BLAS.gemm(m: steps * size, n: n, k: nOut, a: DY.baseAddress!, lda: nOut, b: B, ldb: n,
                                      beta: 0, c: L, ldc: n)
                            if !M.ratesAreStates {
                                let h = p.states + slice
                                for i in 0..<(steps * slice) { L[i] *= model.rateSlope(h[i]) }
                            }
                            if lambda > 0 { addTCRSignal(into: L, steps: steps, slice: slice, lambda: lambda) }
                            batch.inputs.data.withUnsafeBufferPointer { X in
                                sweep(model, P: P, K: K, D: D, p: p, X: X.baseAddress!, L: L, steps: steps, size: size)
                            }
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
}
