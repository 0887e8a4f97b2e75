import ArgumentParser
import Plasticity

struct AblateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ablate", abstract: "Silence growing fractions of a saved network's neurons; accuracy vs fraction.")

    @OptionGroup var saved: SavedNetworkOptions

    @Option(help: "Fractions silenced, comma-separated (default 0, 0.1, ..., 1).")
    var fractions: String?

    @Option(
        help: "Orders in which neurons are silenced, comma-separated: \(choices(AblationOrder.self)) (default: random).",
        completion: .list(AblationOrder.allValueStrings), transform: { try commaSeparated($0, what: "order") })
    var order: [AblationOrder] = [.random]

    @Option(help: "Random draws per fraction (random order).")
    var draws: Int = 5

    func run() throws {
        var ablation = Ablation()
        if let fractions { ablation.fractions = try NumberList.parse(fractions, option: "--fractions") }
        ablation.orders = order
        ablation.draws = draws
        ablation.trials = saved.trials
        try saved.analyseAndPrint(AnalysisPlan(ablation: ablation))
    }
}
