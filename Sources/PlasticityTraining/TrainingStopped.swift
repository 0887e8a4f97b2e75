/// A training run stopped on request (a signal) at a step boundary, before its criterion or budget:
/// not a result. With a checkpoint file the run's state was written there and `--resume` continues it
/// bit-identically; without one nothing was saved.
public struct TrainingStopped: Error, Equatable, Sendable {
    /// Trials trained when it stopped.
    public var trials: Int
    /// The checkpoint written at the stop (nil: none was asked for).
    public var checkpoint: String?

    public init(trials: Int, checkpoint: String?) {
        self.trials = trials
        self.checkpoint = checkpoint
    }

    /// What the CLI prints: where it stopped, what was kept and, with a checkpoint, `resumeLine`
    /// (the exact command, `ResumeCommand.line(..., setting: "--resume", to: checkpoint)`).
    public func lines(resumeLine: String?) -> String {
        guard let checkpoint, let resumeLine else {
            return "stopped at trial \(trials): nothing was saved (--checkpoint FILE keeps a run's state to resume it)"
        }
        return "stopped at trial \(trials): the run's state is saved in \(checkpoint)\n\(resumeLine)"
    }
}
