import Dense

/// Node perturbation (Fiete & Seung 2006) on the leaky RNN: a perturbed pass adds
/// ξ_j,t ~ N(0, σ²) to every preactivation a_j,t and ζ_k,t ~ N(0, σ²) to every output y_k,t.
/// With the clean baseline each trial's loss change against its clean pass, ΔL_b, is its scalar
/// reward signal; with the running-average baseline the batch loss change against the running
/// average is one scalar for all trials. Then
///   dW_ji = Σ_b ΔL_b/σ² Σ_t ξ_bj,t h_bi,t-1,   dU: x instead of h,  db: 1,
///   dV_kj = Σ_b ΔL_b/σ² Σ_t ζ_bk,t h_bj,t,     dc: 1,
/// where h comes from the perturbed pass. An unbiased estimate of the gradient as σ → 0, averaged
/// over `draws` independent perturbations. tau is not trained: no noise enters its path.
/// With TCR each pass's loss (and each trial's share) includes the penalty R of that pass's states.
public final class NodePerturbation: LearningRule {
    public static let id = "node-perturbation"
    public static let locality = Locality.reward
    public static let summary = "node perturbation: noise on preactivations and outputs, correlated with each trial's loss change"
    public static let citation = "Fiete & Seung 2006, Physical Review Letters 97:048104"
    public static let hyperparameters = [
        ParameterSpec("sigma", default: 0.05, range: 1e-8...10, doc: "standard deviation of the node noise"),
        ParameterSpec("draws", default: 1, range: 1...10_000, integer: true, doc: "independent perturbations averaged per update"),
        LossBaseline.spec,
        LossBaseline.decaySpec,
    ]
    public static let supportedModels: [ModelKind] = [.leaky]
    public static let cost = "memory O(T·B·(N + O)) for the noise and one extra trajectory; compute two forward passes (one with the running-average baseline, plus one clean pass for reporting the loss) and O(B·N·(N + I)) per step"

    let objective: Objective
    let sigma: Double
    let draws: Int
    let baseline: LossBaseline
    var average: RunningAverage
    var clean: Trajectory
    var perturbed: Trajectory
    var noise: ForwardNoise
    var outputNoise: Tensor3
    var cleanLosses: [Double]
    var perturbedLosses: [Double]
    /// One draw's estimate, accumulated into the direction.
    var estimate: [Double]

    public init(settings: [String: Double], model: any RecurrentModel, objective: Objective, batchSize: Int, maxSteps: Int) throws {
        self.objective = objective
        sigma = settings["sigma"]!
        draws = Int(settings["draws"]!)
        baseline = LossBaseline(setting: settings["baseline"]!)
        average = RunningAverage(decay: settings["baseline-decay"]!)
        clean = model.makeTrajectory(capacity: maxSteps, batch: batchSize)
        perturbed = clean
        noise = ForwardNoise(preactivation: Tensor3(steps: maxSteps, batch: batchSize, width: model.hiddenSize))
        outputNoise = Tensor3(steps: maxSteps, batch: batchSize, width: model.outputSize)
        cleanLosses = [Double](repeating: 0, count: batchSize)
        perturbedLosses = cleanLosses
        estimate = [Double](repeating: 0, count: model.layout.count)
    }

    public func direction(model: any RecurrentModel, batch: Batch, noise rng: RandomSource, into direction: inout [Double]) -> StepStats {
        guard let rnn = model as? LeakyRNN else { preconditionFailure("node-perturbation supports the leaky RNN only") }
        let steps = batch.steps, size = batch.size, n = rnn.hiddenSize, nIn = rnn.inputSize, nOut = rnn.outputSize
        let layout = rnn.layout
        if direction.count != layout.count { direction = [Double](repeating: 0, count: layout.count) }
        for i in direction.indices { direction[i] = 0 }
        // The clean pass: the reported loss, and the reference of the clean baseline.
        objective.forward(rnn, batch.inputs, into: &clean)
        let lambda = objective.tcrLambda
        let loss = Loss.evaluate(objective.lossKind, outputs: clean.outputs, batch: batch)
        let penalty = TemporalConsistency.penalty(clean, lambda: lambda)
        Loss.perTrial(objective.lossKind, outputs: clean.outputs, batch: batch, into: &cleanLosses)
        TemporalConsistency.addPerTrial(clean, lambda: lambda, to: &cleanLosses)
        let variance = sigma * sigma
        let wo = layout["W"].offset, uo = layout["U"].offset, bo = layout["b"].offset
        let vo = layout["V"].offset, co = layout["c"].offset
        noise.preactivation!.resize(steps: steps)
        outputNoise.resize(steps: steps)
        for _ in 0..<draws {
            noise.preactivation!.data.withUnsafeMutableBufferPointer { rng.fillGaussian(UnsafeMutableBufferPointer(rebasing: $0[0..<(steps * size * n)]), sigma: sigma) }
            outputNoise.data.withUnsafeMutableBufferPointer { rng.fillGaussian(UnsafeMutableBufferPointer(rebasing: $0[0..<(steps * size * nOut)]), sigma: sigma) }
            objective.forward(rnn, batch.inputs, noise: noise, into: &perturbed)
            // Output-node noise enters after the readout, so it is added to the outputs directly.
            for i in 0..<(steps * size * nOut) { perturbed.outputs.data[i] += outputNoise.data[i] }
            Loss.perTrial(objective.lossKind, outputs: perturbed.outputs, batch: batch, into: &perturbedLosses)
            TemporalConsistency.addPerTrial(perturbed, lambda: lambda, to: &perturbedLosses)
            var perturbedLoss = 0.0
            for b in 0..<size { perturbedLoss += perturbedLosses[b] }
            // The average of earlier losses is the reference; then the newest joins it.
            let reference = average.isEmpty ? perturbedLoss : average.value
            if baseline == .runningAverage { average.add(perturbedLoss) }
            // Scale each trial's noise by its reward signal ΔL_b/σ², in place.
            for b in 0..<size {
                // Clean: each trial's own loss change. Running average: one scalar reward for the
                // batch (trials differ too much for a shared per-trial reference).
                let change = baseline == .clean ? perturbedLosses[b] - cleanLosses[b] : perturbedLoss - reference
                let scale = change / variance
                for t in 0..<steps {
                    let rowN = (t * size + b) * n, rowO = (t * size + b) * nOut
                    for j in 0..<n { noise.preactivation!.data[rowN + j] *= scale }
                    for k in 0..<nOut { outputNoise.data[rowO + k] *= scale }
                }
            }
            accumulate(rnn: rnn, batch: batch, steps: steps, size: size, n: n, nIn: nIn, nOut: nOut,
                       offsets: (wo, uo, bo, vo, co), into: &direction)
        }
        let inverseDraws = 1 / Double(draws)
        for i in direction.indices { direction[i] *= inverseDraws }
        if !rnn.config.selfConnections { for i in 0..<n { direction[wo + i * n + i] = 0 } }
        return StepStats(loss: loss + penalty, taskLoss: loss)
    }

    /// direction += the draw's estimate: scaled noise times presynaptic activity, one gemm per group.
    private func accumulate(
        rnn: LeakyRNN, batch: Batch, steps: Int, size: Int, n: Int, nIn: Int, nOut: Int,
        offsets o: (w: Int, u: Int, b: Int, v: Int, c: Int), into direction: inout [Double]
    ) {
        let rows = steps * size, slice = size * n
        direction.withUnsafeMutableBufferPointer { d in
            let D = d.baseAddress!
            noise.preactivation!.data.withUnsafeBufferPointer { XI in
                outputNoise.data.withUnsafeBufferPointer { Z in
                    perturbed.states.data.withUnsafeBufferPointer { H in
                        batch.inputs.data.withUnsafeBufferPointer { X in
                            let xi = XI.baseAddress!, z = Z.baseAddress!
                            BLAS.gemm(transA: true, m: n, n: n, k: rows, a: xi, lda: n, b: H.baseAddress!, ldb: n, beta: 1, c: D + o.w, ldc: n)
                            BLAS.gemm(transA: true, m: n, n: nIn, k: rows, a: xi, lda: n, b: X.baseAddress!, ldb: nIn, beta: 1, c: D + o.u, ldc: nIn)
                            BLAS.gemm(transA: true, m: nOut, n: n, k: rows, a: z, lda: nOut, b: H.baseAddress! + slice, ldb: n, beta: 1, c: D + o.v, ldc: n)
                            for r in 0..<rows {
                                for j in 0..<n { D[o.b + j] += xi[r * n + j] }
                                for k in 0..<nOut { D[o.c + k] += z[r * nOut + k] }
                            }
                        }
                    }
                }
            }
        }
    }
}
