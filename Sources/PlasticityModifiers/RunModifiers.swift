/// The modifiers of one run, built from its `[ModifierConfig]` (the rule file's plus the run's),
/// and where each hooks into training:
/// - the rule's `objective`: TCR's strength (objective / learning-signal / scalar-loss term) and
///   short-term plasticity's fast weights (the dynamics of every forward pass the rule runs);
/// - after each batch (`afterBatch`): TCR time schedules;
/// - after each update (`afterUpdate`): STP consolidation into W;
/// - at each evaluation (`checkpoint`): collapse detection, the plateau controller, the lambda trace.
/// With STP the validation set and the collapse probe run with fast weights too (`evaluationForward`):
/// they are part of the network's dynamics within a trial. Later analyses (fixed points, ablation,
/// perturbation) see W alone.
public final class RunModifiers {
    public let configs: [ModifierConfig]
    public let tcr: TCRModifier?
    public let shortTermPlasticity: ShortTermPlasticity?

    /// Checks that every modifier can apply to `model` (STP needs a `LocalRecurrentModel`: fast weights on its W).
    public static func validate(_ configs: [ModifierConfig], model: any RecurrentModel, file: String? = nil) throws {
        for config in configs {
            if case .shortTermPlasticity = config, !(model is any LocalRecurrentModel) {
                throw InputError.invalid(
                    "modifier 'stp' does not support model '\(model.kind.rawValue)'; valid: \(ModelKind.local.map(\.rawValue).joined(separator: ", "))",
                    file: file, key: "modifiers")
            }
        }
    }

    /// `seed`: the run's seed (the TCR collapse probe comes from its stream `tcr/collapse`).
    public init(_ configs: [ModifierConfig], task: any Task, model: any RecurrentModel, batchSize: Int, seed: UInt64) throws {
        try RunModifiers.validate(configs, model: model)
        self.configs = try ModifierConfig.merged([configs])
        var tcr: TCRModifier?, stp: ShortTermPlasticity?
        for config in self.configs {
            switch config {
            case let .tcr(c): tcr = TCRModifier(config: c, task: task, seed: seed)
            case let .shortTermPlasticity(c):
                // Room for the training batches, the validation batches (no larger) and the collapse probe.
                stp = ShortTermPlasticity(config: c, batchSize: max(batchSize, TCRModifier.probeSize), hiddenSize: model.hiddenSize)
            }
        }
        self.tcr = tcr
        shortTermPlasticity = stp
        tcr?.forward = evaluationForward
    }

    /// How validation batches and the collapse probe run: with the fast weights (not consolidated
    /// from); nil without STP.
    public var evaluationForward: ForwardPass? {
        guard let stp = shortTermPlasticity else { return nil }
        return { model, inputs, noise, trajectory in stp.forward(model, inputs: inputs, noise: noise, training: false, into: &trajectory) }
    }

    /// What the rule optimises and on which dynamics.
    public func objective(lossKind: LossKind) -> Objective {
        Objective(lossKind: lossKind, tcr: tcr?.strength, shortTermPlasticity: shortTermPlasticity)
    }

    /// The trivial baseline of the losses `checkpoint` sees (the curve's; `ValidationSet`): the TCR
    /// plateau controller arms when the loss enters the band around it.
    public var baseline: Double {
        get { tcr?.baseline ?? .nan }
        set { tcr?.baseline = newValue }
    }

    public func afterBatch(trials: Int) { tcr?.update(trials: trials) }

    public func afterUpdate(model: inout any RecurrentModel) { shortTermPlasticity?.consolidate(into: &model) }

    public func checkpoint(trials: Int, model: any RecurrentModel, evaluation: Evaluation) {
        tcr?.observe(trials: trials, model: model, evaluation: evaluation)
    }

    /// lambda_TCR and the collapse flag at every evaluation; nil without TCR.
    public var tcrTrace: [TCRTracePoint]? { tcr?.trace }
}
