import ArgumentParser
import Foundation
import Plasticity

extension CurriculumKind: ExpressibleByArgument {}

/// `train --curriculum KIND`: train through a curriculum of N instead of one task setting.
struct CurriculumOptions: ParsableArguments {
    @Option(help: "Train through a curriculum of N (task n-parity or n-dms; --max-trials is its budget).")
    var curriculum: CurriculumKind?

    @Option(name: .customLong("first-n"), help: "Curriculum: the N it starts from.")
    var firstN = CurriculumConfig().firstN

    @Option(name: .customLong("max-n"), help: "Curriculum: the largest N (multi-head allocates a head for each N up to it).")
    var maxN = CurriculumConfig().maxN

    @Option(help: "Sliding curriculum: heads in the window.")
    var window = CurriculumConfig().window

    @Option(name: .customLong("window-step"), help: "Sliding curriculum: heads replaced per advance.")
    var windowStep = CurriculumConfig().step

    @Option(name: .customLong("pass-threshold"), help: "Curriculum: a stage passes when the mean and the largest-N head's accuracy exceed this.")
    var passThreshold = CurriculumConfig().threshold

    @Option(name: .customLong("check-every"), help: "Curriculum: trials between checks on fresh data.")
    var checkEvery = CurriculumConfig().checkEvery

    @Option(name: .customLong("timescale-steps"), help: "Curriculum: kept steps of the stream that measures tau_net and dimension at each stage (0 = off).")
    var timescaleSteps = CurriculumConfig().timescaleSteps

    @Option(name: .customLong("timescale-trials"), help: "Curriculum: trials of that stream (0 = off).")
    var timescaleTrials = CurriculumConfig().timescaleTrials

    @Option(name: .customLong("timescale-selection"), help: "Curriculum: one or two exponentials per neuron, guarded or aic (the paper's).")
    var timescaleSelection = CurriculumConfig().timescaleSelection

    var config: CurriculumConfig? {
        guard let curriculum else { return nil }
        var c = CurriculumConfig(kind: curriculum)
        c.firstN = firstN
        c.maxN = maxN
        c.window = window
        c.step = windowStep
        c.threshold = passThreshold
        c.checkEvery = checkEvery
        c.timescaleSteps = timescaleSteps
        c.timescaleTrials = timescaleTrials
        c.timescaleSelection = timescaleSelection
        return c
    }

    /// Runs `spec` through the curriculum and prints its summary.
    func run(_ spec: RunSpec, config: CurriculumConfig, json: Bool, memoryLimit: Int?) throws {
        let run = CurriculumRun(spec: spec, curriculum: config)
        let bar = ProgressBar(label: "curriculum")
        let outcome = try run.execute(memoryLimit: memoryLimit, progress: { bar.update(done: $0, total: $1) }, observe: StreamMeasurement.curriculumObserver(config, seed: spec.seed))
        bar.finish()
        print(json
              ? try CurriculumSummary.json(run, outcome.result, settings: outcome.settings)
              : CurriculumSummary.text(run, outcome.result, settings: outcome.settings))
    }
}
