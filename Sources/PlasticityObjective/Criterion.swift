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
