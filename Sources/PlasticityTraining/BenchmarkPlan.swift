import Dense
import Foundation

/// What `plasticity bench` measures: one BPTT step at each hidden size, with the OpenBLAS thread
/// count set first, and how the measurements read as text or JSON.
public struct BenchmarkPlan: Sendable {
    public var sizes: [Int] = [64, 128, 256]
    public var batch = 64
    public var steps = 100
    public var repeats = 20
    public var threads = 1

    public init() {}

    /// Hidden sizes from a comma-separated list, each in 1...4096 (`--hidden 64,128`).
    public static func sizes(_ text: String, key: String = "--hidden") throws -> [Int] {
        try text.split(separator: ",").map { part in
            guard let n = Int(part.trimmingCharacters(in: .whitespaces)), (1...4096).contains(n) else {
                throw InputError.invalid("'\(part)' is not a size in 1...4096", key: key)
            }
            return n
        }
    }

    public func validate() throws {
        guard (1...64).contains(threads) else { throw InputError.outOfRange("threads", Double(threads), range: "1...64", key: "--threads") }
        guard !sizes.isEmpty else { throw InputError.invalid("give at least one size, e.g. 64,128", key: "--hidden") }
    }

    /// Sets the OpenBLAS threads and times every size in order.
    public func run() throws -> [Benchmark.Measurement] {
        try validate()
        BLAS.setThreads(threads)
        return try sizes.map { try Benchmark.bpttStep(hidden: $0, batch: batch, steps: steps, repeats: repeats) }
    }

    /// A header naming the setting and BLAS build, then one line per size.
    public func text(_ results: [Benchmark.Measurement]) -> String {
        var lines = [
            "BPTT step (forward + backward + Adam), flipflop3, B=\(batch), T=\(steps), OpenBLAS threads \(threads)",
            "BLAS: \(BLAS.configuration)",
            "     N   ms/step   trials/s",
        ]
        for r in results { lines.append(String(format: "%6d  %8.3f  %9.0f", r.hidden, r.msPerStep, r.trialsPerSecond)) }
        return lines.joined(separator: "\n")
    }

    public func json(_ results: [Benchmark.Measurement]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase  // one key style for every command (docs/outputs.md)
        return String(decoding: try encoder.encode(results), as: UTF8.self)
    }
}
