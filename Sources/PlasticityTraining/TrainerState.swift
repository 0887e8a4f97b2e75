import Foundation

/// Everything a training run carries between two batches, so that a run resumed from it continues
/// bit-identically to one never interrupted: the trainer's loop (trials, pending loss sum, curve,
/// criterion, the last evaluation), the parameters, the optimiser's moments, the rule's carried
/// state (a running average) and the positions of the random streams that keep drawing (data,
/// noise; the validation set is drawn again from its seed). Doubles are kept as their bit patterns.
public struct TrainerState: Codable, Equatable, Sendable {
    public var trials: Int
    public var nextEval: Int
    public var lossSum: Double
    public var lossBatches: Int
    public var reachedAt: Int?
    public var initialLoss: Double?
    public var evaluationSeconds: Double
    public var wholeScoredTotal: Double?
    public var curve: [CurvePoint]
    public var lastCurve: Evaluation
    public var lastWhole: Evaluation?
    public var parameters: [Double]
    public var optimizer: Optimizer.State
    public var ruleState: [Double]
    public var dataStream: Data
    public var noiseStream: Data
    /// Wall seconds trained before this state (a resumed run adds its own).
    public var wallSeconds: Double
}

/// How `Trainer.train` saves its state: every `every` trials (whole batches), through `save`;
/// `save` returning false stops training (a checkpoint that cannot be written is an error the
/// caller reports, not a run that goes on unprotected).
public struct TrainerCheckpointing {
    public var every: Int
    public var save: (TrainerState) -> Bool

    public init(every: Int, save: @escaping (TrainerState) -> Bool) {
        self.every = every
        self.save = save
    }
}
