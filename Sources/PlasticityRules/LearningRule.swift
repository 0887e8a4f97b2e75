/// How local a rule's information is (docs/design.md).
public enum Locality: String, Codable, Sendable, CaseIterable {
    /// Needs the whole trial's states and a backward pass (BPTT).
    case nonlocal
    /// Updates from quantities available forward in time (RTRL, e-prop, RFLO).
    case online
    /// Only a scalar reward/loss plus the rule's own noise (node/weight perturbation).
    case reward
}

/// A learning rule computes an update direction (its estimate of the loss gradient) in the model's
/// flat parameter layout; the shared optimiser turns it into a step, so all rules differ only in
/// how they estimate the gradient. Rules are classes: they own preallocated workspaces.
public protocol LearningRule: AnyObject {
    static var id: String { get }
    static var locality: Locality { get }
    static var summary: String { get }
    static var citation: String { get }
    /// Rule-specific hyperparameters (not the optimiser's), with defaults and ranges.
    static var hyperparameters: [ParameterSpec] { get }
    static var supportedModels: [ModelKind] { get }
    /// Memory and compute per time step, in terms of N neurons, B batch, I inputs, O outputs.
    static var cost: String { get }
    /// Whether the rule's own estimate of the readout gradient is the delta rule (exact), so the
    /// `readout` setting does not change it (`ReadoutRule`); by default every rule but a reward rule.
    static var learnsReadoutByDeltaRule: Bool { get }

    /// `settings` holds every setting of `settingSpecs` (defaults filled and range-checked).
    init(settings: [String: Double], model: any RecurrentModel, objective: Objective, batchSize: Int, maxSteps: Int) throws

    /// Writes the update direction for this batch into `direction` (size model.layout.count).
    /// Noise the rule needs comes from `noise` (the run's noise stream).
    func direction(model: any RecurrentModel, batch: Batch, noise: RandomSource, into direction: inout [Double]) -> StepStats

    /// What the rule carries from one batch to the next besides its workspaces (a running average),
    /// for training checkpoints; empty for rules whose direction depends only on the model and the batch.
    var carriedState: [Double] { get set }
}

extension LearningRule {
    public var carriedState: [Double] {
        get { [] }
        set {}  // nothing carried
    }
}

extension LearningRule {
    public static var learnsReadoutByDeltaRule: Bool { locality != .reward }
}
