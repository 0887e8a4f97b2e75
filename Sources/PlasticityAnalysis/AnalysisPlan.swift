/// The analyses run on each trained network of a protocol (nil: not run). New analyses
/// (timescales, dimensionality, fixed points) join as further optional members.
public struct AnalysisPlan: Codable, Equatable, Sendable {
    public var ablation: Ablation?
    public var perturbation: Perturbation?
    /// Snapshots through training and GR events; unlike the others it runs during training, through
    /// the trainer's checkpoint callback (`ExperimentCell.run`), not on the trained network alone.
    public var geometry: GeometryAnalysis?
    /// Accuracy when the trained map is integrated as an ODE at finer steps.
    public var integration: IntegrationRobustness?
    /// The observables of `plasticity predict` no other analysis stores (timescales, dimensionality
    /// before and after learning, the synaptic-change signature); like geometry, it hooks into training.
    public var predictions: PredictionMeasures?

    public init(ablation: Ablation? = nil, perturbation: Perturbation? = nil, geometry: GeometryAnalysis? = nil,
                integration: IntegrationRobustness? = nil) {
        self.ablation = ablation
        self.perturbation = perturbation
        self.geometry = geometry
        self.integration = integration
    }

    public var isEmpty: Bool { ablation == nil && perturbation == nil && geometry == nil && integration == nil && predictions == nil }

    public func validate(file: String? = nil) throws {
        try ablation?.validate(file: file)
        try perturbation?.validate(file: file)
        try geometry?.validate(file: file)
        try integration?.validate(file: file)
        try predictions?.validate(file: file)
    }

    /// Runs every planned analysis on a trained network. Each analysis draws from its own child of
    /// the seed's "analysis" stream, so adding one never changes another's results.
    /// `sharedEvaluation`: ablation and perturbation evaluate on one set (the "evaluation" child of
    /// the stream, when their trial counts agree), so `ablate` and `perturb` of one saved network
    /// agree at level 0; protocol cells keep each analysis's own set (their stored results stay reproducible).
    public func run(model: any RecurrentModel, task: any Task, seed: UInt64, sharedEvaluation: Bool = false) -> [RobustnessCurve] {
        let root = RandomSource(seed: seed, stream: "analysis")
        var curves: [RobustnessCurve] = []
        var shared: [Batch]?
        if sharedEvaluation, let trials = ablation?.trials ?? perturbation?.trials, (ablation?.trials ?? trials) == (perturbation?.trials ?? trials) {
            shared = Trainer.validationSet(task: task, size: trials, batchSize: min(trials, 128), rng: root.child("evaluation"))
        }
        if let ablation { curves += ablation.run(model: model, task: task, rng: root.child("ablation"), evaluation: shared) }
        if let perturbation { curves += perturbation.run(model: model, task: task, rng: root.child("perturbation"), evaluation: shared) }
        if let integration { curves += integration.run(model: model, task: task, rng: root.child("integration")) }
        return curves
    }
}
