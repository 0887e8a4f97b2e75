/// A forward pass other than the model's own (short-term plasticity: `RunModifiers.evaluationForward`).
/// A replacement forward pass (short-term plasticity's): model, inputs, noise (the batch's initial state), trajectory.
public typealias ForwardPass = (any RecurrentModel, Tensor3, ForwardNoise?, inout Trajectory) -> Void

/// Loss and accuracy of a model on a fixed set of batches (e.g. the held-out validation set).
public struct Evaluation: Codable, Equatable, Sendable {
    public var loss: Double
    public var accuracy: Double

    public init(loss: Double, accuracy: Double) {
        self.loss = loss
        self.accuracy = accuracy
    }

    /// `forward`: how each batch runs; nil = the model's own forward pass.
    public static func run(model: any RecurrentModel, task: any Task, batches: [Batch], forward: ForwardPass? = nil) -> Evaluation {
        run(model: model, task: task, batches: batches, forward: forward, until: nil)!
    }

    /// The same, stopped early (nil) once `criterion` can no longer be met on the whole set:
    /// the loss is a mean of non-negative batch losses, and `scoredTotal` (the set's accuracy
    /// denominator, which counts scored positions and not outputs) bounds how many are left to be correct.
    /// Where it does not stop, the result is `run`'s, bit for bit.
    package static func run(
        model: any RecurrentModel, task: any Task, batches: [Batch], forward: ForwardPass?,
        until criterion: Criterion?, scoredTotal: Double? = nil
    ) -> Evaluation? {
        var workspace: Trajectory?
        return run(model: model, task: task, batches: batches, forward: forward, until: criterion, scoredTotal: scoredTotal, workspace: &workspace)
    }

    /// The same with a trajectory kept between calls (a trainer evaluates the same set hundreds of
    /// times; allocating and zeroing (T+1)·B·N buffers each time cost as much as the forward pass).
    package static func run(
        model: any RecurrentModel, task: any Task, batches: [Batch], forward: ForwardPass?,
        until criterion: Criterion?, scoredTotal: Double? = nil, workspace: inout Trajectory?
    ) -> Evaluation? {
        guard let first = batches.first else { return Evaluation(loss: .nan, accuracy: .nan) }
        let capacity = batches.map(\.steps).max()!
        if workspace == nil || workspace!.batch != first.size || workspace!.states.width != model.hiddenSize
            || workspace!.states.data.count < (capacity + 1) * first.size * model.hiddenSize {
            workspace = model.makeTrajectory(capacity: capacity, batch: first.size)
        }
        var trajectory = workspace!
        workspace = nil
        defer { workspace = trajectory }
        var loss = 0.0, correct = 0.0, total = 0.0
        for batch in batches {
            if let criterion {
                switch criterion.metric {
                case .loss where loss > criterion.threshold * Double(batches.count): return nil
                case .accuracy where scoredTotal.map { correct + ($0 - total) < criterion.threshold * $0 } == true: return nil
                default: break
                }
            }
            if batch.size != trajectory.batch {
                trajectory = model.makeTrajectory(capacity: batch.steps, batch: batch.size)
            }
            let start = ForwardNoise.merging(nil, initialState: batch.initialState)
            if let forward { forward(model, batch.inputs, start, &trajectory) } else { model.forward(batch.inputs, noise: start, into: &trajectory) }
            loss += Loss.evaluate(task.lossKind, outputs: trajectory.outputs, batch: batch)
            let s = task.score(outputs: trajectory.outputs, batch: batch)
            correct += s.correct
            total += s.total
        }
        return Evaluation(loss: loss / Double(batches.count), accuracy: total > 0 ? correct / total : .nan)
    }
}
