import Dense

/// The online, local gradient estimate shared by e-prop and RFLO on the leaky RNN.
/// Per trial and synapse an eligibility trace, decaying with the postsynaptic neuron's leak:
///   e_ji,t = (1 - α_j) e_ji,t-1 + α_j f'(a_j,t) h_i,t-1      (x_i,t for U; 1 for b)
///   e_j,t  = (1 - α_j) e_j,t-1  + (f(a_j,t) - h_j,t-1) dα_j/dτ_j   (tau, when trained)
/// and a learning signal L_t = dY_t B (B: out × N; B = V gives symmetric e-prop), so that
///   dW_ji = Σ_t L_j,t e_ji,t.
/// With TCR the learning signal gains its local term dR/dh_j,t (`TemporalConsistency.localLearningSignal`:
/// neuron j's own rates at t-1, t, t+1; an online implementation applies it one step late).
/// The traces are RTRL's sensitivities without the W P_{t-1} term, so with W = 0 they are exact.
/// The readout V, c learns by its exact local delta rule. The forward pass runs first and the
/// traces then sweep forward in time, using only quantities available at each step.
final class EligibilityTraces {
    let objective: Objective
    let trainsTau: Bool
    var trajectory: Trajectory
    var outputGradient: Tensor3
    /// L_t for all steps and trials, (T, B, N).
    var learningSignal: Tensor3
    /// One step's TCR term of the learning signal, B × N.
    var tcrSignal: [Double]
    /// Traces per trial: W (B·N·N), U (B·N·I), b (B·N), tau (B·N).
    var traceW: [Double]
    var traceU: [Double]
    var traceB: [Double]
    var traceTau: [Double]

    init(model: any RecurrentModel, objective: Objective, batchSize: Int, maxSteps: Int, trainsTau: Bool) {
        self.objective = objective
        self.trainsTau = trainsTau
        let n = model.hiddenSize
        trajectory = model.makeTrajectory(capacity: maxSteps, batch: batchSize)
        outputGradient = Tensor3(steps: maxSteps, batch: batchSize, width: model.outputSize)
        learningSignal = Tensor3(steps: maxSteps, batch: batchSize, width: n)
        tcrSignal = [Double](repeating: 0, count: objective.tcr == nil ? 0 : batchSize * n)
        traceW = [Double](repeating: 0, count: batchSize * n * n)
        traceU = [Double](repeating: 0, count: batchSize * n * model.inputSize)
        traceB = [Double](repeating: 0, count: batchSize * n)
        traceTau = traceB
    }

    /// `feedback`: B (out × N, row-major); nil means V (symmetric).
    func direction(model: any RecurrentModel, batch: Batch, feedback: [Double]?, into direction: inout [Double]) -> StepStats {
        guard let rnn = model as? LeakyRNN else { preconditionFailure("trace rules support the leaky RNN only") }
        let steps = batch.steps, size = batch.size, n = rnn.hiddenSize, nIn = rnn.inputSize, nOut = rnn.outputSize
        precondition(size <= trajectory.batch, "batch larger than the rule's workspace")
        let layout = rnn.layout, f = rnn.config.activation
        let wo = layout["W"].offset, uo = layout["U"].offset, bo = layout["b"].offset
        let vo = layout["V"].offset, to = layout["tau"].offset
        let trainTau = trainsTau && rnn.config.trainTau
        if direction.count != layout.count { direction = [Double](repeating: 0, count: layout.count) }

        objective.forward(rnn, batch.inputs, into: &trajectory)
        outputGradient.resize(steps: steps)
        learningSignal.resize(steps: steps)
        let loss = outputGradient.data.withUnsafeMutableBufferPointer { g in
            Loss.evaluate(objective.lossKind, outputs: trajectory.outputs, batch: batch, gradient: g.baseAddress!)
        }
        let lambda = objective.tcrLambda
        let penalty = TemporalConsistency.penalty(trajectory, lambda: lambda)
        let slice = size * n
        let noFeedback = [Double]()
        rnn.parameters.withUnsafeBufferPointer { p in
            let P = p.baseAddress!
            (feedback ?? noFeedback).withUnsafeBufferPointer { fb in
                let B = feedback == nil ? P + vo : fb.baseAddress!
                direction.withUnsafeMutableBufferPointer { d in
                    let D = d.baseAddress!
                    for i in 0..<layout.count { D[i] = 0 }
                    outputGradient.data.withUnsafeBufferPointer { DY in
                        trajectory.states.data.withUnsafeBufferPointer { H in
                            // Readout: the exact local delta rule, dV = Σ_t dY_t^T h_t, dc = Σ dY.
                            LeakyRNN.readoutGradient(
                                dY: DY.baseAddress!, states: H.baseAddress! + slice, rows: steps * size, hidden: n, outputs: nOut,
                                layout: layout, into: D)
                            learningSignal.data.withUnsafeMutableBufferPointer { Lbuf in
                                let L = Lbuf.baseAddress!
                                // L_t = dY_t B for all steps and trials.
                                BLAS.gemm(m: steps * size, n: n, k: nOut, a: DY.baseAddress!, lda: nOut, b: B, ldb: n,
                                          beta: 0, c: L, ldc: n)
                                if lambda > 0 { addTCRSignal(into: L, steps: steps, slice: slice, lambda: lambda) }
                                trajectory.preactivations.data.withUnsafeBufferPointer { A in
                                    trajectory.activations.data.withUnsafeBufferPointer { F in
                                        batch.inputs.data.withUnsafeBufferPointer { X in
                                            sweep(
                                                P: P, D: D, H: H.baseAddress!, A: A.baseAddress!, F: F.baseAddress!,
                                                X: X.baseAddress!, L: L, steps: steps, size: size, n: n, nIn: nIn,
                                                offsets: (wo, uo, bo, to), f: f, trainTau: trainTau)
                                        }
                                    }
                                }
                            }
                        }
                    }
                    if !rnn.config.selfConnections { for i in 0..<n { D[wo + i * n + i] = 0 } }
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

    /// The forward-in-time sweep: update every trace, then accumulate L_t ⊙ e_t into the direction.
    private func sweep(
        P: UnsafePointer<Double>, D: UnsafeMutablePointer<Double>, H: UnsafePointer<Double>,
        A: UnsafePointer<Double>, F: UnsafePointer<Double>, X: UnsafePointer<Double>, L: UnsafePointer<Double>,
        steps: Int, size: Int, n: Int, nIn: Int, offsets: (w: Int, u: Int, b: Int, tau: Int),
        f: Activation, trainTau: Bool
    ) {
        let slice = size * n
        traceW.withUnsafeMutableBufferPointer { EW in
            traceU.withUnsafeMutableBufferPointer { EU in
                traceB.withUnsafeMutableBufferPointer { EB in
                    traceTau.withUnsafeMutableBufferPointer { ET in
                        for i in 0..<(size * n * n) { EW[i] = 0 }
                        for i in 0..<(size * n * nIn) { EU[i] = 0 }
                        for i in 0..<slice { EB[i] = 0; ET[i] = 0 }
                        let gW = D + offsets.w, gU = D + offsets.u
                        for t in 0..<steps {
                            for b in 0..<size {
                                let row = t * slice + b * n
                                let hPrev = H + row, a = A + row, fa = F + row, l = L + row
                                let x = X + (t * size + b) * nIn
                                for j in 0..<n {
                                    let tau = P[offsets.tau + j], alpha = 1 / Swift.max(tau, 1), leak = 1 - alpha
                                    let gain = alpha * f.derivative(a[j], value: fa[j])
                                    let lj = l[j]
                                    let ew = EW.baseAddress! + (b * n + j) * n, gw = gW + j * n
                                    for i in 0..<n {
                                        let e = leak * ew[i] + gain * hPrev[i]
                                        ew[i] = e
                                        gw[i] += lj * e
                                    }
                                    let eu = EU.baseAddress! + (b * n + j) * nIn, gu = gU + j * nIn
                                    for i in 0..<nIn {
                                        let e = leak * eu[i] + gain * x[i]
                                        eu[i] = e
                                        gu[i] += lj * e
                                    }
                                    let k = b * n + j
                                    EB[k] = leak * EB[k] + gain
                                    D[offsets.b + j] += lj * EB[k]
                                    if trainTau && tau > 1 {
                                        ET[k] = leak * ET[k] + (fa[j] - hPrev[j]) * (-1 / (tau * tau))
                                        D[offsets.tau + j] += lj * ET[k]
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
