import Foundation

/// When a run has learned the task: validation accuracy at least, or validation loss at most, a threshold.
public struct Criterion: Codable, Equatable, Sendable {
    public enum Metric: String, Codable, Sendable, CaseIterable { case accuracy, loss }
    public var metric: Metric
    public var threshold: Double

    public init(metric: Metric, threshold: Double) {
        self.metric = metric
        self.threshold = threshold
    }

    public func isMet(by e: Evaluation) -> Bool {
        switch metric {
        case .accuracy: return e.accuracy >= threshold
        case .loss: return e.loss <= threshold
        }
    }
}

public struct TrainingConfig: Codable, Equatable, Sendable {
    public var batchSize = 32
    /// Budget in trials (sequences); a run that does not reach the criterion is censored here.
    public var maxTrials = 20_000
    /// Evaluate on the validation set every this many trials (rounded up to whole batches).
    public var evalEvery = 1_000
    public var validationSize = 256
    public var criterion = Criterion(metric: .accuracy, threshold: 0.95)
    public var optimizer = OptimizerConfig()
    /// Stop once the criterion is met (otherwise train to the budget).
    public var stopAtCriterion = true

    public init() {}

    public func validate(file: String? = nil) throws {
        if batchSize < 1 || batchSize > 65_536 { throw InputError.outOfRange("batch", Double(batchSize), range: "1...65536", file: file) }
        if maxTrials < 1 { throw InputError.outOfRange("max-trials", Double(maxTrials), range: ">= 1", file: file) }
        if evalEvery < 1 { throw InputError.outOfRange("eval-every", Double(evalEvery), range: ">= 1", file: file) }
        if validationSize < 1 { throw InputError.outOfRange("validation-size", Double(validationSize), range: ">= 1", file: file) }
        if !(optimizer.learningRate > 0 && optimizer.learningRate <= 10) {
            throw InputError.outOfRange("learning-rate", optimizer.learningRate, range: "0 < lr <= 10", file: file)
        }
        if let c = optimizer.clipNorm, !(c > 0) { throw InputError.outOfRange("clip", c, range: "> 0", file: file) }
        if !criterion.threshold.isFinite { throw InputError.outOfRange("criterion", criterion.threshold, range: "a finite number", file: file) }
    }
}

public struct CurvePoint: Codable, Equatable, Sendable {
    public var trials: Int
    /// Mean training loss over the batches since the previous point.
    public var trainLoss: Double
    public var validationLoss: Double
    public var validationAccuracy: Double
}

public enum RunStatus: String, Codable, Sendable {
    /// Reached the criterion.
    case reached
    /// Used the whole budget without reaching it (trials to criterion censored at the budget).
    case budget
    /// The loss or the update became NaN/Inf.
    case diverged
}

public struct TrainingResult: Codable, Equatable, Sendable {
    public var status: RunStatus
    /// First evaluation point that met the criterion; nil if never (censored).
    public var trialsToCriterion: Int?
    public var trialsTrained: Int
    public var divergedAtTrial: Int?
    public var final: Evaluation
    public var curve: [CurvePoint]
    public var wallSeconds: Double
    /// lambda_TCR and the collapse flag at every evaluation, for runs with a TCR modifier.
    public var tcrTrace: [TCRTracePoint]? = nil
}

/// The random streams of one run. Separate streams keep comparisons paired: the data (and the
/// validation set) depend only on the seed, never on the rule or on how much noise it drew.
public struct RunStreams {
    public let data: RandomSource
    public let validation: RandomSource
    public let initialization: RandomSource
    public let noise: RandomSource

    public init(seed: UInt64) {
        data = RandomSource(seed: seed, stream: "data")
        validation = RandomSource(seed: seed, stream: "validation")
        initialization = RandomSource(seed: seed, stream: "init")
        noise = RandomSource(seed: seed, stream: "noise")
    }
}

public enum Trainer {
    /// The fixed held-out validation set of a run.
    public static func validationSet(task: any Task, size: Int, batchSize: Int, rng: RandomSource) -> [Batch] {
        var batches: [Batch] = []
        var remaining = size
        while remaining > 0 {
            let n = min(batchSize, remaining)
            batches.append(task.batch(size: n, using: rng))
            remaining -= n
        }
        return batches
    }

    /// Trains `model` in place with `rule` until the criterion or the budget; records the learning curve.
    /// `progress(trials, budget)` is called after every batch; `checkpoint(trials, model, evaluation)`
    /// at every evaluation (geometry snapshots, TCR schedules driven by the validation loss);
    /// `afterUpdate(model)` after every update and projection (short-term plasticity's consolidation);
    /// `evaluationForward` runs the validation batches (nil = the model's own forward pass).
    public static func train(
        model: inout any RecurrentModel, task: any Task, rule: any LearningRule, config: TrainingConfig,
        streams: RunStreams, progress: ((Int, Int) -> Void)? = nil,
        checkpoint: ((Int, any RecurrentModel, Evaluation) -> Void)? = nil,
        afterUpdate: ((inout any RecurrentModel) -> Void)? = nil,
        evaluationForward: ForwardPass? = nil
    ) -> TrainingResult {
        let start = Date()
        let validation = validationSet(task: task, size: config.validationSize, batchSize: config.batchSize, rng: streams.validation)
        var optimizer = Optimizer(config: config.optimizer, parameterCount: model.layout.count)
        var direction = [Double](repeating: 0, count: model.layout.count)
        var curve: [CurvePoint] = []
        var trials = 0, nextEval = 0
        var lossSum = 0.0, lossBatches = 0
        var reachedAt: Int?
        var divergedAt: Int?

        func evaluate() -> Evaluation {
            let e = Evaluation.run(model: model, task: task, batches: validation, forward: evaluationForward)
            curve.append(CurvePoint(
                trials: trials, trainLoss: lossBatches > 0 ? lossSum / Double(lossBatches) : e.loss,
                validationLoss: e.loss, validationAccuracy: e.accuracy))
            lossSum = 0
            lossBatches = 0
            nextEval = trials + config.evalEvery
            if reachedAt == nil, config.criterion.isMet(by: e) { reachedAt = trials }
            checkpoint?(trials, model, e)
            return e
        }

        var last = evaluate()
        while trials < config.maxTrials {
            if reachedAt != nil && config.stopAtCriterion { break }
            let batch = task.batch(size: config.batchSize, using: streams.data)
            let stats = rule.direction(model: model, batch: batch, noise: streams.noise, into: &direction)
            let norm = optimizer.apply(&direction, to: &model.parameters)
            trials += config.batchSize
            if !stats.loss.isFinite || !norm.isFinite || !model.parameters.allSatisfy(\.isFinite) {
                divergedAt = trials
                break
            }
            model.project()
            afterUpdate?(&model)
            lossSum += stats.loss
            lossBatches += 1
            progress?(trials, config.maxTrials)
            if trials >= nextEval || trials >= config.maxTrials {
                last = evaluate()
                if !last.loss.isFinite {
                    divergedAt = trials
                    break
                }
            }
        }
        let status: RunStatus = divergedAt != nil ? .diverged : (reachedAt != nil ? .reached : .budget)
        return TrainingResult(
            status: status, trialsToCriterion: reachedAt, trialsTrained: trials, divergedAtTrial: divergedAt,
            final: last, curve: curve, wallSeconds: Date().timeIntervalSince(start))
    }
}
