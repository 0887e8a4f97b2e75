import Foundation

public struct TrainingConfig: Codable, Equatable, Sendable {
    public var batchSize = 32
    /// Budget in trials (sequences); a run that does not reach the criterion is censored here.
    public var maxTrials = 20_000
    /// Evaluate every this many trials (rounded up to whole batches); nil: `defaultEvalEvery`.
    public var evalEvery: Int? = nil
    public var validationSize = 256
    /// Trials of the validation set the learning curve is evaluated on at every evaluation (its
    /// leading batches, rounded up to whole batches); the criterion and the final evaluation use the
    /// whole set (`ValidationSet`). At least `validationSize`: the curve is the whole set.
    public var curveSize = 32
    public var criterion = Criterion(metric: .accuracy, threshold: 0.95)
    public var optimizer = OptimizerConfig()
    /// Stop once the criterion is met (otherwise train to the budget).
    public var stopAtCriterion = true
    /// A run whose curve loss exceeds this multiple of its initial loss has diverged (stored as
    /// `diverged` at that evaluation's trial); nil: no bound (runs stored before it existed).
    public var divergenceFactor: Double? = 100

    public init() {}

    /// The default evaluation interval: 1% of the budget, at most 256 trials, at least one batch.
    public var defaultEvalEvery: Int { max(batchSize, min(maxTrials / 100, 256)) }

    /// The interval in use, rounded up to whole batches (the trainer evaluates after whole batches).
    public var evaluationInterval: Int {
        let every = evalEvery ?? defaultEvalEvery
        return (every + batchSize - 1) / batchSize * batchSize
    }

    enum CodingKeys: String, CodingKey {
        case batchSize, maxTrials, evalEvery, validationSize, curveSize, criterion, optimizer, stopAtCriterion, divergenceFactor
    }

    /// Configurations stored before `curveSize` and `divergenceFactor` existed decode to what they
    /// meant then: the curve on the whole validation set, no divergence bound.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = TrainingConfig()
        batchSize = try c.decodeIfPresent(Int.self, forKey: .batchSize) ?? defaults.batchSize
        maxTrials = try c.decodeIfPresent(Int.self, forKey: .maxTrials) ?? defaults.maxTrials
        evalEvery = try c.decodeIfPresent(Int.self, forKey: .evalEvery)
        validationSize = try c.decodeIfPresent(Int.self, forKey: .validationSize) ?? defaults.validationSize
        curveSize = try c.decodeIfPresent(Int.self, forKey: .curveSize) ?? validationSize
        criterion = try c.decodeIfPresent(Criterion.self, forKey: .criterion) ?? defaults.criterion
        optimizer = try c.decodeIfPresent(OptimizerConfig.self, forKey: .optimizer) ?? defaults.optimizer
        stopAtCriterion = try c.decodeIfPresent(Bool.self, forKey: .stopAtCriterion) ?? defaults.stopAtCriterion
        divergenceFactor = try c.decodeIfPresent(Double.self, forKey: .divergenceFactor)
    }

    public func validate(file: String? = nil) throws {
        if batchSize < 1 || batchSize > 65_536 { throw InputError.outOfRange("batch", Double(batchSize), range: "1...65536", file: file) }
        if maxTrials < 1 { throw InputError.outOfRange("max-trials", Double(maxTrials), range: ">= 1", file: file) }
        if let evalEvery, evalEvery < 1 { throw InputError.outOfRange("eval-every", Double(evalEvery), range: ">= 1", file: file) }
        if validationSize < 1 { throw InputError.outOfRange("validation-size", Double(validationSize), range: ">= 1", file: file) }
        if curveSize < 1 { throw InputError.outOfRange("curve-size", Double(curveSize), range: ">= 1", file: file) }
        if let f = divergenceFactor, !(f > 1) { throw InputError.outOfRange("divergence-factor", f, range: "> 1", file: file) }
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

    /// The memberwise initialiser, for the results store (`PlasticityStoring`) that reads points back.
    package init(trials: Int, trainLoss: Double, validationLoss: Double, validationAccuracy: Double) {
        self.trials = trials
        self.trainLoss = trainLoss
        self.validationLoss = validationLoss
        self.validationAccuracy = validationAccuracy
    }
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
    /// The trivial baseline (`TrivialBaseline`) of the whole validation set and of the curve's
    /// subset (the curve's values are compared with the latter); nil for results made before them.
    public var baseline: Double? = nil
    public var curveBaseline: Double? = nil
    /// Seconds spent evaluating (curve and criterion), part of `wallSeconds`.
    public var evaluationSeconds: Double? = nil

    /// The memberwise initialiser, for the results store (`PlasticityStoring`) that reads results back.
    package init(
        status: RunStatus, trialsToCriterion: Int?, trialsTrained: Int, divergedAtTrial: Int?, final: Evaluation,
        curve: [CurvePoint], wallSeconds: Double, tcrTrace: [TCRTracePoint]? = nil, baseline: Double? = nil,
        curveBaseline: Double? = nil, evaluationSeconds: Double? = nil
    ) {
        self.status = status
        self.trialsToCriterion = trialsToCriterion
        self.trialsTrained = trialsTrained
        self.divergedAtTrial = divergedAtTrial
        self.final = final
        self.curve = curve
        self.wallSeconds = wallSeconds
        self.tcrTrace = tcrTrace
        self.baseline = baseline
        self.curveBaseline = curveBaseline
        self.evaluationSeconds = evaluationSeconds
    }
}

/// The random streams of one run. Separate streams keep comparisons paired: the data (and the
/// validation set) depend only on the seed, never on the rule or on how much noise it drew.
public struct RunStreams {
    public let data: RandomSource
    public let validation: RandomSource
    public let initialization: RandomSource
    public let noise: RandomSource
    /// Random initial states (`ModelSpec.initialStateScale`; nil: h_0 = 0) of the training batches,
    /// the validation set and fresh test trials, each from its own stream.
    public let initialStates: InitialStateSampler?
    public let validationInitialStates: InitialStateSampler?
    public let testInitialStates: InitialStateSampler?

    public init(seed: UInt64, model: ModelSpec? = nil) {
        data = RandomSource(seed: seed, stream: "data")
        validation = RandomSource(seed: seed, stream: "validation")
        initialization = RandomSource(seed: seed, stream: "init")
        noise = RandomSource(seed: seed, stream: "noise")
        initialStates = model.flatMap { InitialStateSampler.make($0, seed: seed, stream: "initial-state") }
        validationInitialStates = model.flatMap { InitialStateSampler.make($0, seed: seed, stream: "validation/initial-state") }
        testInitialStates = model.flatMap { InitialStateSampler.make($0, seed: seed, stream: "test/initial-state") }
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
    /// at every evaluation with the curve's evaluation (geometry snapshots, TCR schedules driven by
    /// the validation loss); `afterUpdate(model)` after every update and projection (short-term
    /// plasticity's consolidation); `evaluationForward` runs the validation batches (nil = the
    /// model's own forward pass); `validation`: the run's validation set (nil: drawn from `streams`).
    ///
    /// At every evaluation the curve subset is evaluated (the curve point); until the criterion is
    /// reached, the whole set too whenever the subset meets it, and the criterion is reached at the
    /// first point where both do; the final evaluation is on the whole set. A run stops as
    /// diverged at the first non-finite loss, update or weight, or at the first evaluation whose
    /// curve loss exceeds `divergenceFactor` times the initial one.
    ///
    /// `stop(trials)` is asked at every step boundary (before each batch): true stops there, after
    /// saving the state through `checkpointing` (a resumed run continues bit-identically); the result
    /// is then unfinished (its final evaluation is the last curve point's; the caller that asked to stop
    /// knows not to use it as a run's result).
    public static func train(
        model: inout any RecurrentModel, task: any Task, rule: any LearningRule, config: TrainingConfig,
        streams: RunStreams, progress: ((Int, Int) -> Void)? = nil,
        checkpoint: ((Int, any RecurrentModel, Evaluation) -> Void)? = nil,
        afterUpdate: ((inout any RecurrentModel) -> Void)? = nil,
        evaluationForward: ForwardPass? = nil, validation: ValidationSet? = nil,
        resume: TrainerState? = nil, checkpointing: TrainerCheckpointing? = nil,
        stop: ((_ trials: Int) -> Bool)? = nil
    ) -> TrainingResult {
        let start = Date()
        let sets = validation ?? ValidationSet(task: task, config: config, rng: streams.validation, initialStates: streams.validationInitialStates)
        let interval = config.evaluationInterval
        var optimizer = Optimizer(config: config.optimizer, parameterCount: model.layout.count)
        var direction = [Double](repeating: 0, count: model.layout.count)
        var curve: [CurvePoint] = []
        var trials = 0, nextEval = 0
        var lossSum = 0.0, lossBatches = 0
        var reachedAt: Int?
        var divergedAt: Int?
        var evaluationSeconds = 0.0
        var initialLoss: Double?

        var workspace: Trajectory?
        func timed(_ batches: [Batch]) -> Evaluation {
            let begin = Date()
            defer { evaluationSeconds += Date().timeIntervalSince(begin) }
            return Evaluation.run(model: model, task: task, batches: batches, forward: evaluationForward, until: nil, workspace: &workspace)!
        }

        /// The whole set's accuracy denominator, known after its first full evaluation.
        var wholeScoredTotal: Double?
        /// The whole set's evaluation, or nil as soon as it cannot meet the criterion (it is only
        /// run to confirm the curve's, so a check that must fail stops early and costs less).
        func confirmation() -> Evaluation? {
            let begin = Date()
            defer { evaluationSeconds += Date().timeIntervalSince(begin) }
            if wholeScoredTotal == nil {
                wholeScoredTotal = sets.batches.reduce(0.0) { $0 + task.score(outputs: Tensor3(steps: $1.steps, batch: $1.size, width: task.outputSize), batch: $1).total }
            }
            return Evaluation.run(
                model: model, task: task, batches: sets.batches, forward: evaluationForward, until: config.criterion,
                scoredTotal: wholeScoredTotal, workspace: &workspace)
        }

        /// The curve's evaluation, and the whole set's when it was run.
        func evaluate() -> (curve: Evaluation, whole: Evaluation?) {
            let e = timed(sets.curveBatches)
            curve.append(CurvePoint(
                trials: trials, trainLoss: lossBatches > 0 ? lossSum / Double(lossBatches) : e.loss,
                validationLoss: e.loss, validationAccuracy: e.accuracy))
            lossSum = 0
            lossBatches = 0
            nextEval = trials + interval
            if initialLoss == nil { initialLoss = e.loss }
            var whole: Evaluation? = sets.curveIsWhole ? e : nil
            // The whole set confirms what the curve shows (checking it at every point would cost more than training).
            if reachedAt == nil, whole == nil, config.criterion.isMet(by: e) { whole = confirmation() }
            if reachedAt == nil, let whole, config.criterion.isMet(by: whole) { reachedAt = trials }
            checkpoint?(trials, model, e)
            return (e, whole)
        }

        /// The divergence bound: the curve loss beyond `divergenceFactor` × the initial loss.
        func exceedsBound(_ loss: Double) -> Bool {
            guard let factor = config.divergenceFactor, let initialLoss, initialLoss.isFinite else { return false }
            return loss > factor * initialLoss
        }

        var last: (curve: Evaluation, whole: Evaluation?)
        var priorSeconds = 0.0
        if let state = resume {
            trials = state.trials
            nextEval = state.nextEval
            lossSum = state.lossSum
            lossBatches = state.lossBatches
            reachedAt = state.reachedAt
            initialLoss = state.initialLoss
            evaluationSeconds = state.evaluationSeconds
            wholeScoredTotal = state.wholeScoredTotal
            curve = state.curve
            last = (state.lastCurve, state.lastWhole)
            model.parameters = state.parameters
            optimizer.state = state.optimizer
            rule.carriedState = state.ruleState
            _ = streams.data.restore(state.dataStream)
            _ = streams.noise.restore(state.noiseStream)
            priorSeconds = state.wallSeconds
        } else {
            last = evaluate()
        }
        /// The state after the current batch (`TrainerState`).
        func snapshot() -> TrainerState {
            TrainerState(
                trials: trials, nextEval: nextEval, lossSum: lossSum, lossBatches: lossBatches, reachedAt: reachedAt,
                initialLoss: initialLoss, evaluationSeconds: evaluationSeconds, wholeScoredTotal: wholeScoredTotal, curve: curve,
                lastCurve: last.curve, lastWhole: last.whole, parameters: model.parameters, optimizer: optimizer.state,
                ruleState: rule.carriedState, dataStream: streams.data.state, noiseStream: streams.noise.state,
                wallSeconds: priorSeconds + Date().timeIntervalSince(start))
        }
        let saveInterval = checkpointing.map { ($0.every + config.batchSize - 1) / config.batchSize * config.batchSize }
        var stoppedAt: Int?
        while trials < config.maxTrials {
            if reachedAt != nil && config.stopAtCriterion { break }
            if let stop, stop(trials) {
                stoppedAt = trials
                if let checkpointing { _ = checkpointing.save(snapshot()) }  // a failure is the caller's to report
                break
            }
            let batch = streams.initialStates.attached(task.batch(size: config.batchSize, using: streams.data))
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
                if !last.curve.loss.isFinite || exceedsBound(last.curve.loss) {
                    divergedAt = trials
                    break
                }
            }
            if let checkpointing, let saveInterval, trials % saveInterval == 0, trials < config.maxTrials,
               !(reachedAt != nil && config.stopAtCriterion), !checkpointing.save(snapshot()) {
                break
            }
        }
        let status: RunStatus = divergedAt != nil ? .diverged : (reachedAt != nil ? .reached : .budget)
        // Final loss and accuracy on the whole set (a diverged run keeps its last curve evaluation).
        let final = status == .diverged || stoppedAt != nil ? last.curve : (last.whole ?? timed(sets.batches))
        return TrainingResult(
            status: status, trialsToCriterion: reachedAt, trialsTrained: trials, divergedAtTrial: divergedAt,
            final: final, curve: curve, wallSeconds: priorSeconds + Date().timeIntervalSince(start), baseline: sets.baseline,
            curveBaseline: sets.curveBaseline, evaluationSeconds: evaluationSeconds)
    }
}
