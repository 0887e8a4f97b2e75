import ArgumentParser
import Foundation
import Plasticity

extension ODEStepper: ExpressibleByArgument {}

struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run a saved network on fresh trials as its map, by Euler at a finer dt, or as the ODE; write states, outputs and targets.")

    @Argument(help: "Network saved by `plasticity train --save`.")
    var network: String

    @Option(help: "Trials to simulate.")
    var trials: Int = 8

    @Option(help: "Seed of the trials (default: the network's training seed).")
    var seed: UInt64?

    @Option(help: "Step: 1 (the map it was trained as), 0.5, 0.1, ... (forward Euler, 1/dt an integer) or adaptive (GSL, see --method).")
    var dt: String = "1"

    @Option(help: "Adaptive stepper with --dt adaptive: \(choices(ODEStepper.self)).")
    var method: ODEStepper = .rk8pd

    @Option(help: "Absolute and relative tolerance of the adaptive stepper.")
    var tolerance: Double = 1e-8

    @Option(help: "Write the trajectory here: .csv (one row per trial and step) or .json (docs/continuous-time.md).")
    var out: String

    func run() throws {
        let method = try IntegrationMethod.parse(dt: dt, method: self.method, key: "--dt")
        guard tolerance > 0 && tolerance < 0.1 else { throw InputError.outOfRange("--tolerance", tolerance, range: "between 0 and 0.1, exclusive") }
        guard trials >= 1 && trials <= 100_000 else { throw InputError.outOfRange("--trials", Double(trials), range: "1...100000") }
        let format = try OutputFormat(path: out)
        try AtomicFile.checkDestination(out)
        let saved = try SavedNetwork.load(from: network)
        let (task, model) = try saved.rebuild(file: network)
        let result = try SimulationRun.run(model: model, task: task, trials: trials, seed: seed ?? saved.seed, method: method,
                                           absoluteTolerance: tolerance, relativeTolerance: tolerance)
        try AtomicFile.write(Data((format == .csv ? result.csv() : try result.json()).utf8), to: out)
        print("\(network) on \(trials) trials of \(saved.task) by \(method): accuracy \(formatNumber(result.accuracy)); wrote \(out)")
    }
}

/// The trajectory file's format, from its extension.
enum OutputFormat {
    case csv, json

    init(path: String) throws {
        if path.hasSuffix(".csv") { self = .csv }
        else if path.hasSuffix(".json") { self = .json }
        else { throw InputError.invalid("'\(path)' has no known extension; valid: .csv, .json", key: "--out") }
    }
}
