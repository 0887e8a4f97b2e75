import Foundation

/// What the perturbation analysis adds noise to.
public enum PerturbationKind: String, Codable, CaseIterable, Sendable {
    /// W_ij += level · std(W) · xi_ij, once per draw (std over the trainable entries of W); in gated
    /// models every recurrent matrix W_r, W_z, … the same way, each with its own std.
    case weights
    /// h_t += level · std(h) · xi_t at every step of the trial, so the noise propagates
    /// (std(h) over the clean states of the evaluation set).
    case state
    /// tau_j += level · tau_j · xi_j (relative), once per draw; the forward pass clamps tau at 1.
    /// Models without tau (PLRNN, GRU, LSTM) skip this kind: their results have no tau curve.
    case tau
}

/// Perturbation analysis: accuracy vs the level of Gaussian noise on weights, states or tau.
/// An empty level list skips that kind.
public struct Perturbation: Codable, Equatable, Sendable {
    public var weights: [Double] = [0, 0.1, 0.2, 0.3, 0.5, 0.75, 1]
    public var state: [Double] = [0, 0.1, 0.2, 0.3, 0.5, 0.75, 1]
    public var tau: [Double] = [0, 0.1, 0.2, 0.3, 0.5, 0.75, 1]
    public var draws = 3
    public var trials = 256

    public init() {}

    public func levels(_ kind: PerturbationKind) -> [Double] {
        switch kind {
        case .weights: return weights
        case .state: return state
        case .tau: return tau
        }
    }

    public func validate(file: String? = nil) throws {
        for kind in PerturbationKind.allCases {
            for level in levels(kind) where !(level >= 0 && level <= 100) {
                throw InputError.outOfRange(kind.rawValue, level, range: "0...100", file: file, key: "perturbation.\(kind.rawValue)")
            }
        }
        if draws < 1 || draws > 1000 { throw InputError.outOfRange("draws", Double(draws), range: "1...1000", file: file, key: "perturbation.draws") }
        if trials < 1 || trials > 100_000 { throw InputError.outOfRange("trials", Double(trials), range: "1...100000", file: file, key: "perturbation.trials") }
    }

    static func standardDeviation(_ x: [Double]) -> Double {
        guard x.count > 1 else { return 0 }
        let m = Statistics.mean(x)
        return (x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count - 1)).squareRoot()
    }

    /// Accuracy with fresh state noise of standard deviation `sigma` in every batch.
    static func accuracyWithStateNoise(model: any RecurrentModel, task: any Task, batches: [Batch], sigma: Double, rng: RandomSource) -> Double {
        var scratch = StateNoiseScratch()
        return accuracyWithStateNoise(model: model, task: task, batches: batches, sigma: sigma, rng: rng, scratch: &scratch)
    }

    /// The trajectory and noise buffers of `accuracyWithStateNoise`, kept between calls.
    struct StateNoiseScratch {
        var trajectory: Trajectory?
        var noise: Tensor3?
    }

    /// The same, reusing `scratch`'s buffers when their shapes fit (the noise is overwritten or zeroed,
    /// the trajectory overwritten by the forward pass: results are those of fresh buffers).
    static func accuracyWithStateNoise(
        model: any RecurrentModel, task: any Task, batches: [Batch], sigma: Double, rng: RandomSource, scratch: inout StateNoiseScratch
    ) -> Double {
        var correct = 0.0, total = 0.0
        for batch in batches {
            var trajectory: Trajectory
            if let kept = scratch.trajectory, kept.batch == batch.size, kept.states.width == model.hiddenSize, kept.steps == batch.steps {
                trajectory = kept
            } else {
                trajectory = model.makeTrajectory(capacity: batch.steps, batch: batch.size)
            }
            scratch.trajectory = nil
            var noise: Tensor3
            if let kept = scratch.noise, kept.steps == batch.steps, kept.batch == batch.size, kept.width == model.hiddenSize {
                noise = kept
                if sigma <= 0 { for i in noise.data.indices { noise.data[i] = 0 } }
            } else {
                noise = Tensor3(steps: batch.steps, batch: batch.size, width: model.hiddenSize)
            }
            scratch.noise = nil
            if sigma > 0 { rng.fillGaussian(&noise.data, sigma: sigma) }
            model.forward(batch.inputs, noise: ForwardNoise(state: noise), into: &trajectory)
            let s = task.score(outputs: trajectory.outputs, batch: batch)
            correct += s.correct
            total += s.total
            scratch.trajectory = trajectory
            scratch.noise = noise
        }
        return total > 0 ? correct / total : .nan
    }

    /// Pooled standard deviation of the clean states h_1...h_T over the evaluation set.
    static func stateScale(model: any RecurrentModel, batches: [Batch]) -> Double {
        var values: [Double] = []
        for batch in batches {
            var trajectory = model.makeTrajectory(capacity: batch.steps, batch: batch.size)
            model.forward(batch.inputs, into: &trajectory)
            values.append(contentsOf: trajectory.states.data[trajectory.states.sliceCount...])
        }
        return standardDeviation(values)
    }

    /// The parameters a `.weights` or `.tau` draw perturbs, in draw order, each with its absolute
    /// scale (tau's noise is relative: scale 0 here). Weights: every recurrent matrix (W, or one per
    /// gate), each scaled by the std of its own trainable entries; frozen entries (the zero diagonal
    /// without self-connections) stay put. Tau: every entry, even when tau is not trained.
    static func targets(_ kind: PerturbationKind, model: any RecurrentModel) -> [(index: Int, scale: Double)] {
        switch kind {
        case .weights:
            let frozen = Set(model.frozenIndices)
            var targets: [(index: Int, scale: Double)] = []
            for group in model.layout.groups where NeuronSilencing.isRecurrentMatrix(group, hidden: model.hiddenSize) {
                let free = group.range.filter { !frozen.contains($0) }
                let scale = Perturbation.standardDeviation(free.map { model.parameters[$0] })
                targets += free.map { ($0, scale) }
            }
            return targets
        case .tau:
            return model.layout[optional: "tau"]?.range.map { ($0, 0) } ?? []
        case .state:
            return []
        }
    }

    /// One curve per kind with levels (kind "perturb-<kind>"); draws come from `rng` (the run's
    /// analysis stream): children "evaluation" and "perturb-<kind>".
    /// `evaluation`: a set shared with other analyses (`AnalysisPlan.run(sharedEvaluation:)`) instead of its own.
    public func run(model: any RecurrentModel, task: any Task, rng: RandomSource, evaluation shared: [Batch]? = nil) -> [RobustnessCurve] {
        let evaluation = shared ?? Trainer.validationSet(task: task, size: trials, batchSize: min(trials, 128), rng: rng.child("evaluation"))
        var curves: [RobustnessCurve] = []
        // Buffers kept across evaluations: allocating and zeroing them each time cost a fifth of the analysis.
        var workspace: Trajectory?
        var scratch = StateNoiseScratch()
        // Level 0 of a parameter kind leaves the network as it is: it is evaluated once for every kind
        // and draw (the draws still take their numbers from the stream, so later levels see the same noise).
        var undamaged: Double?
        for kind in PerturbationKind.allCases {
            let levels = levels(kind)
            guard !levels.isEmpty else { continue }
            let stream = rng.child("perturb-\(kind.rawValue)")
            var accuracy: [Double] = []
            switch kind {
            case .weights, .tau:
                let targets = Perturbation.targets(kind, model: model)
                // Models without tau (PLRNN, GRU, LSTM) skip the tau kind: no curve.
                guard !targets.isEmpty else { continue }
                for level in levels {
                    var sum = 0.0
                    for _ in 0..<draws {
                        var damaged = model
                        var p = damaged.parameters
                        for (i, scale) in targets {
                            let xi = stream.gaussian()
                            p[i] += kind == .weights ? level * scale * xi : level * abs(p[i]) * xi
                        }
                        if level == 0 {
                            if undamaged == nil {
                                undamaged = Evaluation.run(model: model, task: task, batches: evaluation, forward: nil, until: nil, workspace: &workspace)!.accuracy
                            }
                            sum += undamaged!
                            continue
                        }
                        damaged.parameters = p
                        sum += Evaluation.run(model: damaged, task: task, batches: evaluation, forward: nil, until: nil, workspace: &workspace)!.accuracy
                    }
                    accuracy.append(sum / Double(draws))
                }
            case .state:
                let scale = Perturbation.stateScale(model: model, batches: evaluation)
                for level in levels {
                    var sum = 0.0
                    for _ in 0..<draws {
                        sum += Perturbation.accuracyWithStateNoise(
                            model: model, task: task, batches: evaluation, sigma: level * scale, rng: stream, scratch: &scratch)
                    }
                    accuracy.append(sum / Double(draws))
                }
            }
            curves.append(RobustnessCurve(kind: "perturb-\(kind.rawValue)", levels: levels, accuracy: accuracy))
        }
        return curves
    }
}
