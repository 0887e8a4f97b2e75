import ArgumentParser
import CPUGuard
import Foundation
import Plasticity

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time training steps of every rule (leaky RNN) and BPTT on every model against the dgemm peak.",
        discussion: "Every rule runs on the leaky RNN (tanh), BPTT on every model; rtrl only up to N = 32. `make bench` adds PyTorch's step.")

    @Option(help: "Rules, comma-separated (bptt on the models other than leaky).")
    var rules: String = BenchmarkPlan.defaultRules.joined(separator: ",")

    @Option(help: "Models, comma-separated.")
    var models: String = ModelKind.allCases.map(\.rawValue).joined(separator: ",")

    @Option(help: "Hidden sizes, comma-separated.")
    var hidden: String = "32,64,128,256"

    @Option(help: "Batch sizes, comma-separated.")
    var batch: String = "32,64"

    @Option(help: "Trial length T.")
    var steps: Int = 100

    @Option(help: "Timed steps per case after one warm-up, at least (the fastest is reported; fewer once 3 s are spent).")
    var repeats: Int = 10

    @Option(help: "Keep timing each case until this many seconds are spent (0...3; short steps get many repeats).")
    var minSeconds: Double = 1

    @Option(help: "Passes over all cases, each case's fastest pass reported (1...10; a shared machine's slow spells hit one pass).")
    var passes: Int = 2

    @Option(help: "OpenBLAS threads.")
    var threads: Int = 1

    @Option(help: "Size of the square dgemm that measures the peak (0: do not measure it).")
    var peakSize: Int = 1024

    @Option(help: "PyTorch's timings of the same BPTT step (JSON from Benchmarks/pytorch_bench.py --json).")
    var pytorch: String?

    @Option(help: "Also write the report as JSON to this file.")
    var out: String?

    @Flag(help: "Print JSON instead of the table.")
    var json = false

    @Option(help: "Instead of timing steps: where the cells of a results file spent their wall time (training, evaluation, analyses); repeatable.")
    var timeProfile: [String] = []

    func run() throws {
        if !timeProfile.isEmpty {
            for path in timeProfile {
                let store = try ResultsStore.open(existing: path)
                print(TimeProfile.text(try TimeProfile.entries(of: store), file: path))
            }
            return
        }
        var plan = BenchmarkPlan()
        plan.rules = try BenchmarkPlan.rules(rules)
        plan.models = try BenchmarkPlan.models(models)
        plan.sizes = try BenchmarkPlan.sizes(hidden)
        plan.batches = try BenchmarkPlan.sizes(batch, key: "--batch")
        plan.steps = steps
        plan.repeats = repeats
        plan.minimumSeconds = minSeconds
        plan.passes = passes
        plan.threads = threads
        plan.peakSize = peakSize
        let torch = try pytorch.map { try BenchmarkReport.loadPyTorch($0) } ?? []
        try plan.validate()
        if let out { try AtomicFile.checkDestination(out) }
        var report = try plan.run { m in
            if !json { FileHandle.standardError.write(Data("  \(m.rule) \(m.model.rawValue) N=\(m.hidden) B=\(m.batch): \(String(format: "%.3f", m.msPerStep)) ms\n".utf8)) }
        }
        report.pytorch = torch
        report.build = plasticity_build_requires_avx2_fma() == 1
            ? "compiled for AVX2 and FMA (make's -target-cpu haswell; the same numbers as a portable build)"
            : "compiled for any x86-64 (portable: swift build, or make PORTABLE=1)"
        if let out { try AtomicFile.write(Data(try report.json().utf8), to: out) }
        print(json ? try report.json() : report.text())
    }
}
