/// A forward pass other than the model's own (short-term plasticity: `RunModifiers.evaluationForward`).
public typealias ForwardPass = (any RecurrentModel, Tensor3, inout Trajectory) -> Void

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
        guard let first = batches.first else { return Evaluation(loss: .nan, accuracy: .nan) }
        var trajectory = model.makeTrajectory(capacity: batches.map(\.steps).max()!, batch: first.size)
        var loss = 0.0, correct = 0.0, total = 0.0
        for batch in batches {
            if batch.size != trajectory.batch {
                trajectory = model.makeTrajectory(capacity: batch.steps, batch: batch.size)
            }
            if let forward { forward(model, batch.inputs, &trajectory) } else { model.forward(batch.inputs, into: &trajectory) }
            loss += Loss.evaluate(task.lossKind, outputs: trajectory.outputs, batch: batch)
            let s = task.score(outputs: trajectory.outputs, batch: batch)
            correct += s.correct
            total += s.total
        }
        return Evaluation(loss: loss / Double(batches.count), accuracy: total > 0 ? correct / total : .nan)
    }
}
