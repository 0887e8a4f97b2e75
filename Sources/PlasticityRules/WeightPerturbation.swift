/// Weight perturbation: perturb every trainable parameter by δ ~ N(0, σ²), run the batch, and
///   dθ = (L(θ + δ) - L_ref) δ / σ²,
/// averaged over `draws` perturbations; L_ref is L(θ) on the same batch (clean) or a running
/// average of past perturbed losses. Model-agnostic (only forward passes), trains every group
/// including tau, but its variance grows with the number of parameters.
/// With TCR every pass's scalar loss includes the penalty R of that pass's states.
/// With `readout = delta` V and c are not perturbed and learn by the delta rule on the clean pass (`ReadoutRule`).
public final class WeightPerturbation: LearningRule {
    public static let id = "weight-perturbation"
    public static let locality = Locality.reward
    public static let summary = "weight perturbation: random parameter changes correlated with the batch loss change"
    public static let citation = "Jabri & Flower 1992, IEEE Trans. Neural Networks 3(1)"
    public static let hyperparameters = PerturbationSettings.specs(sigma: 0.001, noise: "weight")
    public static let supportedModels = ModelKind.allCases
    public static let cost = "memory O(P) for the perturbation and O(T·B·N) for one trajectory; compute one forward pass per draw plus one clean pass"

    let objective: Objective
    var settings: PerturbationSettings

    /// The running-average baseline.
    public var carriedState: [Double] {
        get { settings.average.carried }
        set { settings.average.carried = newValue }
    }
    var trajectory: Trajectory
    var perturbation: [Double]
    /// The perturbed copy of the model; only its parameters change.
    var perturbedModel: any RecurrentModel
    /// 1 where a parameter may be perturbed, 0 where the model holds it fixed (or the delta rule learns it).
    let trainable: [Double]
    /// dL/dy of the clean pass, for the delta-rule readout.
    var outputGradient: Tensor3

    public init(settings: [String: Double], model: any RecurrentModel, objective: Objective, batchSize: Int, maxSteps: Int) throws {
        self.objective = objective
        self.settings = PerturbationSettings(settings: settings)
        trajectory = model.makeTrajectory(capacity: maxSteps, batch: batchSize)
        perturbation = [Double](repeating: 0, count: model.layout.count)
        perturbedModel = model
        var mask = [Double](repeating: 1, count: model.layout.count)
        for i in model.frozenIndices { mask[i] = 0 }
        if self.settings.readout == .delta { for group in [model.layout["V"], model.layout["c"]] { for i in group.range { mask[i] = 0 } } }
        trainable = mask
        outputGradient = Tensor3(steps: self.settings.readout == .delta ? maxSteps : 0, batch: batchSize, width: model.outputSize)
    }

    public func direction(model: any RecurrentModel, batch: Batch, noise: RandomSource, into direction: inout [Double]) -> StepStats {
        let count = model.layout.count
        if direction.count != count { direction = [Double](repeating: 0, count: count) }
        for i in direction.indices { direction[i] = 0 }
        objective.forward(model, batch, into: &trajectory)
        let stats = objective.evaluate(trajectory, batch: batch), total = stats.loss
        if settings.readout == .delta {
            // Written before the draws reuse the trajectory; the draws leave V and c unperturbed (0).
            deltaRuleReadout(model, trajectory, lossKind: objective.lossKind, batch: batch, outputGradient: &outputGradient, into: &direction)
        }
        let variance = settings.sigma * settings.sigma
        let base = model.parameters
        for _ in 0..<settings.draws {
            noise.fillGaussian(&perturbation, sigma: settings.sigma)
            perturbedModel.parameters.withUnsafeMutableBufferPointer { p in
                for i in 0..<count {
                    perturbation[i] *= trainable[i]
                    p[i] = base[i] + perturbation[i]
                }
            }
            objective.forward(perturbedModel, batch, into: &trajectory)
            let perturbedLoss = objective.evaluate(trajectory, batch: batch).loss
            // The average of earlier losses is the reference; then the newest joins it.
            let running = settings.runningReference(perturbedLoss)
            let reference = settings.baseline == .clean ? total : running
            let scale = (perturbedLoss - reference) / variance / Double(settings.draws)
            for i in 0..<count { direction[i] += scale * perturbation[i] }
        }
        return stats
    }
}
