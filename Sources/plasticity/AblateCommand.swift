import ArgumentParser
import Plasticity

struct AblateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ablate", abstract: "Silence growing fractions of a saved network's neurons; accuracy vs fraction.")

    @Argument(help: "Network saved by `plasticity train --save`.")
    var network: String

    @Option(help: "Fractions silenced, comma-separated (default 0, 0.1, ..., 1).")
    var fractions: String?

    @Option(help: "Orders, comma-separated: random, tau, weight.")
    var order: String = "random"

    @Option(help: "Random draws per fraction (random order).")
    var draws: Int = 5

    @Option(help: "Evaluation trials.")
    var trials: Int = 256

    @Option(help: "Seed of the analysis streams (default: the network's training seed).")
    var seed: UInt64?

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        var ablation = Ablation()
        if let fractions { ablation.fractions = try NumberList.parse(fractions, option: "--fractions") }
        ablation.orders = try order.split(separator: ",").map { name in
            guard let o = AblationOrder(rawValue: String(name)) else {
                throw InputError.unknown("order", String(name), valid: AblationOrder.allCases.map(\.rawValue), key: "--order")
            }
            return o
        }
        ablation.draws = draws
        ablation.trials = trials
        let curves = try SavedNetwork.load(from: network).analyse(AnalysisPlan(ablation: ablation), seed: seed, file: network)
        print(json ? try RobustnessTable.json(curves) : RobustnessTable.text(curves))
    }
}
