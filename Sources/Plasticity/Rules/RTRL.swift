import Dense

/// Real-time recurrent learning for the leaky RNN: the exact gradient computed forward in time.
/// Per trial it carries the sensitivity P_t = dh_t/dθ (N × P_rec, θ = W, U, b, tau):
///   P_t = diag(1 - α) P_{t-1} + diag(α f'(a_t)) W P_{t-1} + (direct terms of step t),
///   dL/dθ += (dL/dh_t)^T P_t with dL/dh_t = dY_t V (the loss at step t only)
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
    public static let supportedModels: [ModelKind] = [.leaky]
    public static let cost = "memory O(B·N·(N² + N·I)) for the sensitivities; compute O(N²·(N² + N·I)) per trial and step"

    let objective: Objective
    var trajectory: Trajectory
    var outputGradient: Tensor3
    /// dL/dh_t through the readout, (T, B, N).
    var stateGradient: Tensor3
    /// dR_TCR/dh_t, (T+1, B, N); sized for the longest trial only when the objective carries TCR.
    var tcrGradient: Tensor3
    /// One trial's sensitivity and the W·P product, each N × P_rec.
    var sensitivity: [Double]
    var product: [Double]
    /// Gradient in the sensitivity's column order [W, U, b, tau].
    var recurrentGradient: [Double]

    public init(settings: [String: Double], model: any RecurrentModel, objective: Objective, batchSize: Int, maxSteps: Int) throws {
        self.objective = objective
        trajectory = model.makeTrajectory(capacity: maxSteps, batch: batchSize)
        outputGradient = Tensor3(steps: maxSteps, batch: batchSize, width: model.outputSize)
        stateGradient = Tensor3(steps: maxSteps, batch: batchSize, width: model.hiddenSize)
        tcrGradient = Tensor3(steps: objective.tcr == nil ? 0 : maxSteps + 1, batch: batchSize, width: model.hiddenSize)
        let n = model.hiddenSize, columns = n * n + n * model.inputSize + 2 * n
        sensitivity = [Double](repeating: 0, count: n * columns)
        product = sensitivity
        recurrentGradient = [Double](repeating: 0, count: columns)
    }

    public func direction(model: any RecurrentModel, batch: Batch, noise: RandomSource, into direction: inout [Double]) -> StepStats {
        guard let rnn = model as? LeakyRNN else { preconditionFailure("rtrl supports the leaky RNN only") }
        let steps = batch.steps, size = batch.size, n = rnn.hiddenSize, nIn = rnn.inputSize, nOut = rnn.outputSize
        let layout = rnn.layout, f = rnn.config.activation
        let wo = layout["W"].offset, uo = layout["U"].offset, bo = layout["b"].offset
        let vo = layout["V"].offset, to = layout["tau"].offset
        let cU = n * n, cB = cU + n * nIn, cTau = cB + n, columns = cTau + n
        let trainTau = rnn.config.trainTau
        if direction.count != layout.count { direction = [Double](repeating: 0, count: layout.count) }

        objective.forward(rnn, batch.inputs, into: &trajectory)
        outputGradient.resize(steps: steps)
        stateGradient.resize(steps: steps)
        let loss = outputGradient.data.withUnsafeMutableBufferPointer { g in
            Loss.evaluate(objective.lossKind, outputs: trajectory.outputs, batch: batch, gradient: g.baseAddress!)
        }
        let lambda = objective.tcrLambda
        let penalty = lambda > 0 ? TemporalConsistency.stateGradient(trajectory, lambda: lambda, into: &tcrGradient) : 0
        let slice = size * n
        rnn.parameters.withUnsafeBufferPointer { p in
            let P = p.baseAddress!
            direction.withUnsafeMutableBufferPointer { d in
                let D = d.baseAddress!
                for i in 0..<layout.count { D[i] = 0 }
                outputGradient.data.withUnsafeBufferPointer { DY in
                    trajectory.states.data.withUnsafeBufferPointer { H in
                        // Readout: dV = Σ_t dY_t^T h_t, dc = Σ dY (one gemm over all steps and trials).
                        LeakyRNN.readoutGradient(
                            dY: DY.baseAddress!, states: H.baseAddress! + slice, rows: steps * size, hidden: n, outputs: nOut,
                            layout: layout, into: D)
                        stateGradient.data.withUnsafeMutableBufferPointer { G in
                            // dL/dh_t (direct part) = dY_t V for all t and trials at once.
                            BLAS.gemm(m: steps * size, n: n, k: nOut, a: DY.baseAddress!, lda: nOut, b: P + vo, ldb: n,
                                      beta: 0, c: G.baseAddress!, ldc: n)
                            // With TCR: + dR/dh_t (its slices 1...T line up with G's rows 0..<T).
                            if lambda > 0 {
                                tcrGradient.data.withUnsafeBufferPointer { R in
                                    for i in 0..<(steps * slice) { G[i] += R[slice + i] }
                                }
                            }
                            trajectory.preactivations.data.withUnsafeBufferPointer { A in
                                trajectory.activations.data.withUnsafeBufferPointer { F in
                                    batch.inputs.data.withUnsafeBufferPointer { X in
                                        sensitivity.withUnsafeMutableBufferPointer { S in
                                            product.withUnsafeMutableBufferPointer { WS in
                                                recurrentGradient.withUnsafeMutableBufferPointer { RG in
                                                    let s = S.baseAddress!, ws = WS.baseAddress!, rg = RG.baseAddress!
                                                    for i in 0..<columns { rg[i] = 0 }
                                                    for b in 0..<size {
                                                        for i in 0..<(n * columns) { s[i] = 0 }
                                                        for t in 0..<steps {
                                                            let row = t * slice + b * n
                                                            let hPrev = H.baseAddress! + row, a = A.baseAddress! + row, fa = F.baseAddress! + row
                                                            let x = X.baseAddress! + (t * size + b) * nIn
                                                            // W P_{t-1}
                                                            BLAS.gemm(m: n, n: columns, k: n, a: P + wo, lda: n, b: s, ldb: columns, beta: 0, c: ws, ldc: columns)
                                                            for j in 0..<n {
                                                                let tau = P[to + j], alpha = 1 / Swift.max(tau, 1)
                                                                let gain = alpha * f.derivative(a[j], value: fa[j])
                                                                let sj = s + j * columns, wsj = ws + j * columns
                                                                for c in 0..<columns { sj[c] = (1 - alpha) * sj[c] + gain * wsj[c] }
                                                                for i in 0..<n { sj[j * n + i] += gain * hPrev[i] }
                                                                for i in 0..<nIn { sj[cU + j * nIn + i] += gain * x[i] }
                                                                sj[cB + j] += gain
                                                                // d alpha / d tau = -1/tau² where tau > 1 (clamped below)
                                                                if trainTau && tau > 1 { sj[cTau + j] += (fa[j] - hPrev[j]) * (-1 / (tau * tau)) }
                                                            }
                                                            // dL/dθ += (dL/dh_t)^T P_t
                                                            BLAS.gemv(trans: true, m: n, n: columns, a: s, lda: columns,
                                                                      x: G.baseAddress! + row, beta: 1, y: rg)
                                                        }
                                                    }
                                                    for i in 0..<(n * n) { D[wo + i] = rg[i] }
                                                    for i in 0..<(n * nIn) { D[uo + i] = rg[cU + i] }
                                                    for j in 0..<n { D[bo + j] = rg[cB + j]; D[to + j] = rg[cTau + j] }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                if !rnn.config.selfConnections { for i in 0..<n { D[wo + i * n + i] = 0 } }
            }
        }
        return StepStats(loss: loss + penalty, taskLoss: loss)
    }
}
