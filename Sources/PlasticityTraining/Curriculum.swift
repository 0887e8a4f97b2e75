import Foundation

/// Trains one network through a curriculum of memory tasks (Khajehabdollahi et al. 2024, their
/// `training/train.py`): train on the stage's N with the loss summed over its heads; every
/// `checkEvery` trials test every head on fresh trials; when the mean accuracy over the heads and the
/// largest-N head's accuracy both exceed the threshold, advance (single-head: N + 1 on the same head;
/// multi-head: a head for N_max + 1 joins; sliding: the window moves by `step`), until the budget
/// or maxN. The rule and the optimiser (with its state) are the same across stages, as theirs:
/// rules see an ordinary task whose loss is `LossKind.headwiseCrossEntropy`.
public enum Curriculum {
    /// `model` must have `config.heads` 2-output heads; `rule` must be built for it with the
    /// headwise loss and room for `cap.maxSteps` steps. The streams: batches from `streams.data`,
    /// rule noise from `streams.noise`, the fresh test trials and the stream test from `testStream`.
    public static func train(
        model: inout any RecurrentModel, family: MemoryTaskFamily, config: CurriculumConfig, rule: any LearningRule,
        training: TrainingConfig, streams: RunStreams, testStream: RandomSource, progress: ((Int, Int) -> Void)? = nil,
        observe: CurriculumStageObserver? = nil, onPass: ((any RecurrentModel) -> Void)? = nil
    ) -> CurriculumResult {
        let start = Date()
        precondition(model.outputSize == GroupedLayout.width * config.heads, "the readout must have one 2-output group per head")
        let budget = training.maxTrials, batchSize = training.batchSize
        let interval = (config.checkEvery + batchSize - 1) / batchSize * batchSize
        var optimizer = Optimizer(config: training.optimizer, parameterCount: model.layout.count)
        var direction = [Double](repeating: 0, count: model.layout.count)
        let streamTest = StreamTest(family: family)

        var stage = config.firstStage
        var task = MultiHeadMemoryTask(family: family, memories: stage, heads: config.heads)
        var trials = 0, stageStart = 0, nextCheck = interval
        var lossSum = 0.0, lossBatches = 0
        var stages: [CurriculumStage] = [], checks: [CurriculumCheck] = []
        var largestN: Int?, divergedAt: Int?, complete = false
        /// The stream accuracy of each N when its stage passed (the relative-accuracy baseline).
        var baselines: [Int: Double] = [:]
        /// The stream tests at the last pass.
        var retention: [StreamAccuracy] = [], generalisation: [StreamAccuracy] = []
        var measures: [CurriculumStageMeasures] = []

        func questions(_ memories: ClosedRange<Int>) -> [(n: Int, head: Int)] {
            memories.map { (n: $0, head: $0 - memories.lowerBound) }
        }

        while trials < budget {
            let batch = streams.initialStates.attached(task.batch(size: batchSize, using: streams.data))
            let stats = rule.direction(model: model, batch: batch, noise: streams.noise, into: &direction)
            let norm = optimizer.apply(&direction, to: &model.parameters)
            trials += batchSize
            if !stats.loss.isFinite || !norm.isFinite || !model.parameters.allSatisfy(\.isFinite) {
                divergedAt = trials
                break
            }
            model.project()
            lossSum += stats.loss
            lossBatches += 1
            progress?(trials, budget)
            guard trials >= nextCheck || trials >= budget else { continue }
            nextCheck = trials + interval
            let accuracies = headAccuracies(
                model: model, task: task, size: config.testSize, batchSize: batchSize, rng: testStream, initialStates: streams.testInitialStates)
            let mean = accuracies.reduce(0, +) / Double(accuracies.count)
            let passed = mean > config.threshold && accuracies.last! > config.threshold
            checks.append(CurriculumCheck(
                trials: trials, lowestN: stage.lowerBound, largestN: stage.upperBound,
                trainLoss: lossSum / Double(max(lossBatches, 1)), headAccuracies: accuracies, passed: passed))
            lossSum = 0
            lossBatches = 0
            guard passed else { continue }
            stages.append(CurriculumStage(lowestN: stage.lowerBound, largestN: stage.upperBound, trials: trials - stageStart, passed: true))
            stageStart = trials
            largestN = stage.upperBound
            // The paper tests the network saved at each pass; so do we, on the heads it has then:
            // single-head answers every N so far with head 0, multi-head keeps a head per N, sliding
            // its window's N; N beyond the stage go to the head of its largest N. An N's first test
            // is its baseline (forgetting is measured against it at later passes).
            let kept = config.kind == .singleHead ? (config.firstN...stage.upperBound).map { (n: $0, head: 0) } : questions(stage)
            let beyond = (0..<config.beyond).map { (n: stage.upperBound + 1 + $0, head: kept.last!.head) }
            let onStream = streamTest.accuracies(model: model, questions: kept + beyond, rng: testStream)
            for (q, a) in zip(kept, onStream) where baselines[q.n] == nil { baselines[q.n] = a }
            retention = zip(kept, onStream).map { StreamAccuracy(n: $0.n, head: $0.head, accuracy: $1, baseline: baselines[$0.n]) }
            generalisation = zip(beyond, onStream.dropFirst(kept.count)).map { StreamAccuracy(n: $0.n, head: $0.head, accuracy: $1, baseline: nil) }
            onPass?(model)
            // The network as N advances (items 3 and 5): observed after the pass, before the next stage trains.
            if let m = observe?(model, stages[stages.count - 1], stages.count - 1, trials) { measures.append(m) }
            guard let next = config.next(after: stage) else {
                complete = true
                break
            }
            stage = next
            task = MultiHeadMemoryTask(family: family, memories: stage, heads: config.heads)
        }
        if !complete {
            stages.append(CurriculumStage(lowestN: stage.lowerBound, largestN: stage.upperBound, trials: trials - stageStart, passed: false))
            // And at the end, on the unfinished stage (a diverged network has nothing to measure).
            if divergedAt == nil, let m = observe?(model, stages[stages.count - 1], stages.count - 1, trials) { measures.append(m) }
        }

        let status: CurriculumStatus = divergedAt != nil ? .diverged : (complete ? .complete : .budget)
        return CurriculumResult(
            kind: config.kind, status: status, largestN: largestN, trialsTrained: trials, divergedAtTrial: divergedAt,
            stages: stages, checks: checks, retention: retention, generalisation: generalisation,
            wallSeconds: Date().timeIntervalSince(start), measures: observe == nil ? nil : measures)
    }

    /// Each active head's accuracy on `size` fresh trials.
    static func headAccuracies(
        model: any RecurrentModel, task: MultiHeadMemoryTask, size: Int, batchSize: Int, rng: RandomSource, initialStates: InitialStateSampler? = nil
    ) -> [Double] {
        var correct = [Double](repeating: 0, count: task.memories.count), total = correct
        var remaining = size
        var trajectory = model.makeTrajectory(capacity: task.maxSteps, batch: min(batchSize, size))
        while remaining > 0 {
            let n = min(batchSize, remaining)
            remaining -= n
            let batch = initialStates.attached(task.batch(size: n, using: rng))
            if trajectory.batch != n { trajectory = model.makeTrajectory(capacity: task.maxSteps, batch: n) }
            model.forward(batch.inputs, noise: ForwardNoise.merging(nil, initialState: batch.initialState), into: &trajectory)
            for (head, s) in task.headScores(outputs: trajectory.outputs, batch: batch).enumerated() {
                correct[head] += s.correct
                total[head] += s.total
            }
        }
        return zip(correct, total).map { $0 / max($1, 1) }
    }
}
