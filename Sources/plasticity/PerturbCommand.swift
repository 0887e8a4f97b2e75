import ArgumentParser
import Plasticity

struct PerturbCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perturb", abstract: "Add Gaussian noise to a saved network's weights, states or tau; accuracy vs noise level.")

    @OptionGroup var saved: SavedNetworkOptions

    @Option(help: "Noise levels on W, relative to std(W), comma-separated ('' to skip).")
    var weights: String?

    @Option(help: "Noise levels on the state at every step, relative to std(h) ('' to skip).")
    var state: String?

    @Option(help: "Noise levels on tau, relative to each tau ('' to skip).")
    var tau: String?

    @Option(help: "Draws per level.")
    var draws: Int = 3

    func run() throws {
        var perturbation = Perturbation()
        if let weights { perturbation.weights = try NumberList.parse(weights, option: "--weights") }
        if let state { perturbation.state = try NumberList.parse(state, option: "--state") }
        if let tau { perturbation.tau = try NumberList.parse(tau, option: "--tau") }
        perturbation.draws = draws
        perturbation.trials = saved.trials
        try saved.analyseAndPrint(AnalysisPlan(perturbation: perturbation))
    }
}
