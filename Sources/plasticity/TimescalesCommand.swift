import ArgumentParser
import Plasticity

extension DecaySelection: ExpressibleByArgument {}

struct TimescalesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timescales",
        abstract: "tau_net and dimensionality of a saved network driven by a long Bernoulli stream (ICLR 2024 recipe).")

    @Argument(help: "Network saved by `plasticity train --save`.")
    var network: String

    @Option(help: "Kept steps per trial.")
    var steps: Int = 100_000

    @Option(help: "Independent trials, each with its own bit rate p ~ U(0, 1).")
    var trials: Int = 10

    @Option(help: "Steps run and dropped before each segment.")
    var discard: Int = 500

    @Option(help: "Kept steps per segment (memory grows with it).")
    var segment: Int = 5_000

    @Option(help: "Largest lag of the autocorrelation fitted.")
    var maxLag: Int = 30

    @Option(help: "How one or two exponentials are chosen: guarded (the double only when both components carry weight, off the bound) or aic (the paper's plain AIC).")
    var selection: DecaySelection = .guarded

    @Option(help: "Seed of the stream (default: the network's training seed).")
    var seed: UInt64?

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        var options = StreamMeasureOptions()
        options.steps = try StreamMeasureOptions.checked(steps, "--steps", 100...10_000_000)
        options.trials = try StreamMeasureOptions.checked(trials, "--trials", 1...1_000)
        options.discard = try StreamMeasureOptions.checked(discard, "--discard", 0...1_000_000)
        options.segment = try StreamMeasureOptions.checked(segment, "--segment", 100...1_000_000)
        options.maxLag = try StreamMeasureOptions.checked(maxLag, "--max-lag", 4...1_000)
        options.selection = selection
        let saved = try SavedNetwork.load(from: network)
        let model = try saved.rebuild(file: network).model
        let measures = try StreamMeasurement.measure(model, options: options, seed: seed ?? saved.seed)
        print(json ? try StreamMeasuresText.json(measures, options: options) : StreamMeasuresText.text(measures, options: options, network: network))
    }
}
