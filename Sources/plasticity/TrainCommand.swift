import ArgumentParser
import Foundation
import Plasticity

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Train one network with one rule and report trials to criterion.")

    @OptionGroup(title: "Task options") var task: TaskOptions
    @OptionGroup(title: "Model options") var model: ModelOptions
    @OptionGroup(title: "Rule options") var rule: RuleOptions
    @OptionGroup(title: "Training options") var training: TrainingOptions
    @OptionGroup(title: "Optimiser options") var optimizer: OptimizerOptions
    @OptionGroup(title: "Curriculum options") var curriculum: CurriculumOptions

    @Option(help: "Random seed.")
    var seed: UInt64 = 1

    @Option(name: .customLong("tcr-lambda"), help: "Add temporal consistency regularisation of strength lambda_TCR (the starting value for --tcr-schedule plateau).")
    var tcrLambda: Double?

    @Option(name: .customLong("tcr-schedule"), help: "TCR schedule, other settings at their defaults (a rule file's modifiers set them all).")
    var tcrSchedule: TCRScheduleKind?

    @Option(help: "Validation set size (trials).")
    var validation: Int = 256

    @Flag(help: "Keep training to the budget after reaching the criterion.")
    var noStop = false

    @Option(help: "Save the trained network to this JSON file.")
    var save: String?

    @Flag(help: "Print one JSON object.")
    var json = false

    @OptionGroup var memory: MemoryOptions

    @Option(help: "Save the run's state to this file (atomically) every --checkpoint-every trials, for --resume.")
    var checkpoint: String?

    @Option(name: .customLong("checkpoint-every"), help: "Trials between checkpoints (whole batches).")
    var checkpointEvery: Int = 1000

    @Option(help: "Continue the run saved in this checkpoint (give the same options as the run that wrote it); the result is bit-identical to an uninterrupted run.")
    var resume: String?

    func run() throws {
        var spec = try runSpec(task: task, model: model, rule: rule, seed: seed)
        spec.training = training.config(over: spec.training)
        spec.training.validationSize = validation
        spec.optimizerOverrides = optimizer.settings
        spec.training.stopAtCriterion = !noStop
        if tcrLambda != nil || tcrSchedule != nil {
            let config = try TCRConfig(
                schedule: (tcrSchedule ?? .constant).rawValue, settings: tcrLambda.map { ["lambda": $0] } ?? [:], key: "--tcr")
            spec.modifiers = [.tcr(config)]
        }
        // Outputs first: a run is never lost to a path that cannot be written at its end.
        if let save { try AtomicFile.checkDestination(save) }
        if let checkpoint { try AtomicFile.checkDestination(checkpoint) }
        let resumed = try resume.map { (checkpoint: try TrainingCheckpoint.load(from: $0), file: $0) }
        if let config = curriculum.config {
            if checkpoint != nil || resume != nil { throw InputError.invalid("not supported for curriculum runs; valid: a plain run", key: checkpoint != nil ? "--checkpoint" : "--resume") }
            return try curriculum.run(spec, config: config, json: json, memoryLimit: try memory.limit())
        }
        let limit = try memory.limit()
        let bar = ProgressBar(label: "train")
        // Signals stop at the next step boundary (writing the checkpoint); a second one exits at once.
        let resumeLine = checkpoint.map { ResumeCommand.line(CommandLine.arguments, setting: "--resume", to: $0) }
        let interruption = Interruption.training(checkpointing: checkpoint != nil)
        interruption.install(abandoningTrainingWith: checkpoint, resume: resumeLine)
        let outcome: RunOutcome
        do {
            outcome = try spec.execute(
                memoryLimit: limit, saving: checkpoint.map { ($0, checkpointEvery) }, resume: resumed,
                progress: { bar.update(done: $0, total: $1) }, stopRequested: { interruption.requested != nil })
        } catch let stopped as TrainingStopped {
            bar.finish()
            FileHandle.standardError.write(Data((stopped.lines(resumeLine: resumeLine) + "\n").utf8))
            Foundation.exit(Interruption.status(interruption.requested ?? SIGINT))
        }
        interruption.uninstall()
        bar.finish()
        let summary = RunSummary(spec: spec, outcome: outcome)
        print(json ? try summary.json() : summary.text())
        if let path = save {
            try SavedNetwork(spec: spec, model: outcome.model, status: outcome.result.status).write(to: path)
        }
    }
}
