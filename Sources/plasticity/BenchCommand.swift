import ArgumentParser
import Dense
import Foundation
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
        let sizes = try hidden.split(separator: ",").map { text -> Int in
            guard let n = Int(text.trimmingCharacters(in: .whitespaces)), n >= 1, n <= 4096 else {
                throw InputError.invalid("'\(text)' is not a size in 1...4096", key: "--hidden")
            }
            return n
        }
        guard (1...64).contains(threads) else { throw InputError.outOfRange("threads", Double(threads), range: "1...64", key: "--threads") }
        BLAS.setThreads(threads)
        let results = try sizes.map { try Benchmark.bpttStep(hidden: $0, batch: batch, steps: steps, repeats: repeats) }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(results), as: UTF8.self))
            return
        }
        print("BPTT step (forward + backward + Adam), flipflop3, B=\(batch), T=\(steps), OpenBLAS threads \(threads)")
        print("BLAS: \(BLAS.configuration)")
        print("     N   ms/step   trials/s")
        for r in results {
            print(String(format: "%6d  %8.3f  %9.0f", r.hidden, r.msPerStep, r.trialsPerSecond))
        }
    }
}
