import Foundation

extension TrivialBaseline {
    /// The baselines of a stored cell (`ExperimentCell.configJSON`), from its task, seed and
    /// validation sizes alone (the validation set does not depend on the rule or the training); nil
    /// when the configuration does not decode or names an unknown task.
    public static func recomputed(configJSON: String, tasks: TaskRegistry = .standard) -> (whole: Double, curve: Double)? {
        guard let cell = try? JSONDecoder().decode(ExperimentCell.self, from: Data(configJSON.utf8)),
            let task = try? tasks.make(cell.spec.task, parameters: cell.spec.taskParameters)
        else { return nil }
        let set = ValidationSet(task: task, config: cell.spec.training, rng: RunStreams(seed: cell.spec.seed).validation)
        return (set.baseline, set.curveBaseline)
    }
}
