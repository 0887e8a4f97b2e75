import ArgumentParser
import Plasticity

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Time one BPTT training step (forward, backward, Adam) on flipflop3.")

    @Option(help: "Hidden sizes, comma-separated.")
    var hidden: String = "64,128,256"

    @Option(help: "Batch size.")
    var batch: Int = 64

    @Option(help: "Trial length T.")
    var steps: Int = 100

    @Option(help: "Timed steps per size (median reported).")
    var repeats: Int = 20

    @Option(help: "OpenBLAS threads.")
    var threads: Int = 1

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        var plan = BenchmarkPlan()
        plan.sizes = try BenchmarkPlan.sizes(hidden)
        plan.batch = batch
        plan.steps = steps
        plan.repeats = repeats
        plan.threads = threads
        let results = try plan.run()
        print(json ? try plan.json(results) : plan.text(results))
    }
}
