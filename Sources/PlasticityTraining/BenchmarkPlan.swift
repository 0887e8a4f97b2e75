import Dense
import Foundation

/// What `plasticity bench` measures, in one process: the single-thread dgemm peak, then one training
/// step of every rule on the leaky RNN (tanh) and BPTT on every other model, at every hidden size
/// and batch size (RTRL only up to `rtrlMaxHidden`: its step is O(B·N⁴)); and how the
/// measurements read as a table or JSON, against the peak, BPTT and PyTorch's step when given.
public struct BenchmarkPlan: Sendable {
    public static let defaultRules = ["bptt", "tbptt", "eprop", "rflo", "node-perturbation", "weight-perturbation", "rtrl"]

    public var rules = BenchmarkPlan.defaultRules
    public var models = ModelKind.allCases
    public var sizes: [Int] = [32, 64, 128, 256]
    public var batches: [Int] = [32, 64]
    public var steps = 100
    /// Timed steps per case (after one warm-up): at least `repeats`, and more until `minimumSeconds`
    /// are spent; fewer, at least 2, once `budget` seconds are spent.
    public var repeats = 10
    public var minimumSeconds = 1.0
    /// Passes over all cases (the fastest pass of each case is reported).
    public var passes = 2
    public var budget = 3.0
    public var threads = 1
    public var rtrlMaxHidden = 32
    /// The size of the square dgemm that measures the peak; 0 skips it (the tests, callgrind runs).
    public var peakSize = 1024

    public init() {}

    /// Positive sizes from a comma-separated list, each in 1...4096 (`--hidden 64,128`).
    public static func sizes(_ text: String, key: String = "--hidden") throws -> [Int] {
        try text.split(separator: ",").map { part in
            guard let n = Int(part.trimmingCharacters(in: .whitespaces)), (1...4096).contains(n) else {
                throw InputError.invalid("'\(part)' is not a size in 1...4096", key: key)
            }
            return n
        }
    }

    /// Rule ids from a comma-separated list; each must be registered.
    public static func rules(_ text: String) throws -> [String] {
        try text.split(separator: ",").map { part in
            let id = part.trimmingCharacters(in: .whitespaces)
            _ = try RuleRegistry.standard.type(id, key: "--rules")
            return id
        }
    }

    /// Model kinds from a comma-separated list.
    public static func models(_ text: String) throws -> [ModelKind] {
        try text.split(separator: ",").map { part in
            let id = part.trimmingCharacters(in: .whitespaces)
            guard let kind = ModelKind(rawValue: id) else {
                throw InputError.unknown("model", id, valid: ModelKind.allCases.map(\.rawValue), key: "--models")
            }
            return kind
        }
    }

    public func validate() throws {
        guard (1...64).contains(threads) else { throw InputError.outOfRange("threads", Double(threads), range: "1...64", key: "--threads") }
        guard !sizes.isEmpty else { throw InputError.invalid("give at least one size, e.g. 64,128", key: "--hidden") }
        guard !batches.isEmpty else { throw InputError.invalid("give at least one batch size, e.g. 32,64", key: "--batch") }
        guard (1...100_000).contains(steps) else { throw InputError.outOfRange("steps", Double(steps), range: "1...100000", key: "--steps") }
        guard (0...8192).contains(peakSize) else { throw InputError.outOfRange("peak-size", Double(peakSize), range: "0...8192", key: "--peak-size") }
        guard (1...10_000).contains(repeats) else { throw InputError.outOfRange("repeats", Double(repeats), range: "1...10000", key: "--repeats") }
        guard (1...10).contains(passes) else { throw InputError.outOfRange("passes", Double(passes), range: "1...10", key: "--passes") }
        guard (0...3).contains(minimumSeconds) else {
            throw InputError.outOfRange("min-seconds", minimumSeconds, range: "0...3", key: "--min-seconds")
        }
    }

    /// Every rule on the leaky RNN, BPTT on the other models; per size and batch, BPTT first (the others' reference).
    public var cases: [Benchmark.Case] {
        var list: [Benchmark.Case] = []
        for model in models {
            let modelRules = model == .leaky ? rules : rules.filter { $0 == "bptt" }
            for n in sizes {
                for b in batches {
                    for rule in modelRules.sorted(by: { ($0 == "bptt" ? 0 : 1) < ($1 == "bptt" ? 0 : 1) }) {
                        if rule == "rtrl" && n > rtrlMaxHidden { continue }
                        list.append(Benchmark.Case(rule: rule, model: model, hidden: n, batch: b, steps: steps))
                    }
                }
            }
        }
        return list
    }

    /// Sets the OpenBLAS threads, then `passes` times: measures the peak and times every case in order
    /// (`progress` sees each). A shared machine has slow spells of seconds; passes spread each case's
    /// timing over the run, so one spell cannot set it. Per case the pass with the fastest step is
    /// reported, and the highest peak.
    public func run(progress: (Benchmark.Measurement) -> Void = { _ in }) throws -> BenchmarkReport {
        try validate()
        BLAS.setThreads(threads)
        let load = BenchmarkReport.loadAverage()
        var peak: Double? = nil
        var results: [Benchmark.Measurement] = []
        for pass in 0..<passes {
            if peakSize > 0 { peak = max(peak ?? 0, DgemmPeak.measure(size: peakSize)) }
            for (i, c) in cases.enumerated() {
                let m = try Benchmark.step(c, repeats: repeats, minimumSeconds: minimumSeconds, budget: budget)
                progress(m)
                if pass == 0 { results.append(m) } else if m.msPerStep < results[i].msPerStep { results[i] = m }
            }
        }
        return BenchmarkReport(
            date: ISO8601DateFormatter().string(from: Date()), cpu: BenchmarkReport.cpuName(), cores: ProcessInfo.processInfo.activeProcessorCount,
            loadAverage: load, blas: BLAS.configuration, threads: threads, peakSize: peakSize, peakGFLOPs: peak, measurements: results, pytorch: [])
    }
}

/// One PyTorch timing of the same BPTT step (Benchmarks/pytorch_bench.py --json).
public struct PyTorchTiming: Codable, Sendable {
    public var hidden: Int
    public var batch: Int
    public var steps: Int
    /// Fastest step, as ours.
    public var ms: Double
    public var version: String?

    public init(hidden: Int, batch: Int, steps: Int, ms: Double, version: String? = nil) {
        self.hidden = hidden
        self.batch = batch
        self.steps = steps
        self.ms = ms
        self.version = version
    }

    enum CodingKeys: String, CodingKey { case hidden, batch, steps, ms, version }

    /// `version` is null, not missing, when the timings did not say.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(hidden, forKey: .hidden)
        try c.encode(batch, forKey: .batch)
        try c.encode(steps, forKey: .steps)
        try c.encode(ms, forKey: .ms)
        try c.encode(version, forKey: .version)
    }
}

/// The measurements of one `bench` run and what they read as.
public struct BenchmarkReport: Codable, Sendable {
    public var date: String
    public var cpu: String
    public var cores: Int
    /// The 1-minute load average when the run started (/proc/loadavg; nil elsewhere): above the
    /// core count, other processes shared the cores and every time is inflated.
    public var loadAverage: Double?
    public var blas: String
    public var threads: Int
    public var peakSize: Int
    public var peakGFLOPs: Double?
    public var measurements: [Benchmark.Measurement]
    public var pytorch: [PyTorchTiming]
    /// What the Swift code was compiled for (set by the CLI, which links the CPU check): make's
    /// AVX2/FMA build or a portable one. nil when not known (a report read from an older file).
    public var build: String? = nil

    /// A measurement with what it is compared against.
    public struct Row: Codable, Sendable {
        public var measurement: Benchmark.Measurement
        /// BPTT rows: the step's gemm GFLOP per second of its time, and that over the peak (its efficiency).
        public var gflops: Double?
        public var fractionOfPeak: Double?
        /// This step's time over the BPTT step's of the same model and sizes.
        public var ratioToBPTT: Double?
        /// Leaky BPTT rows: PyTorch's time for the same step, and PyTorch's time over ours (> 1: faster).
        public var pytorchMs: Double?
        public var speedupOverPyTorch: Double?

        enum CodingKeys: String, CodingKey {
            case measurement, gflops
            case fractionOfPeak = "fraction_of_peak", ratioToBPTT = "ratio_to_bptt", pytorchMs = "pytorch_ms", speedupOverPyTorch = "speedup_over_pytorch"
        }

        /// Every key present, null where a row has no such value.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(measurement, forKey: .measurement)
            try c.encode(gflops, forKey: .gflops)
            try c.encode(fractionOfPeak, forKey: .fractionOfPeak)
            try c.encode(ratioToBPTT, forKey: .ratioToBPTT)
            try c.encode(pytorchMs, forKey: .pytorchMs)
            try c.encode(speedupOverPyTorch, forKey: .speedupOverPyTorch)
        }
    }

    public var rows: [Row] {
        measurements.map { m in
            let same = { (o: Benchmark.Measurement) in o.model == m.model && o.hidden == m.hidden && o.batch == m.batch && o.steps == m.steps }
            let bptt = measurements.first { $0.rule == "bptt" && same($0) }
            var row = Row(measurement: m)
            if m.rule == "bptt" {
                row.gflops = m.bpttGemmGFLOP / (m.msPerStep / 1000)
                row.fractionOfPeak = peakGFLOPs.map { row.gflops! / $0 }
                if m.model == .leaky, let torch = pytorch.first(where: { $0.hidden == m.hidden && $0.batch == m.batch && $0.steps == m.steps }) {
                    row.pytorchMs = torch.ms
                    row.speedupOverPyTorch = torch.ms / m.msPerStep
                }
            }
            row.ratioToBPTT = bptt.map { m.msPerStep / $0.msPerStep }
            return row
        }
    }

    /// PyTorch's timings from Benchmarks/pytorch_bench.py --json.
    public static func loadPyTorch(_ path: String) throws -> [PyTorchTiming] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError.invalid("no such file; valid: the JSON of Benchmarks/pytorch_bench.py --json", file: path, key: "--pytorch")
        }
        do {
            return try JSONDecoder().decode([PyTorchTiming].self, from: data)
        } catch {
            throw InputError.invalid("not a list of {hidden, batch, steps, ms} timings", file: path, key: "--pytorch")
        }
    }

    public static func loadAverage() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return nil }
        return text.split(separator: " ").first.flatMap { Double($0) }
    }

    /// The model name of the first CPU (/proc/cpuinfo), "unknown" elsewhere.
    public static func cpuName() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
              let colon = line.firstIndex(of: ":") else { return "unknown" }
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }

    /// A header (date, CPU, BLAS, peak, how the times are taken), then one line per measurement.
    public func text() -> String {
        func cell(_ v: Double?, _ format: String) -> String { v.map { String(format: format, $0) } ?? "-" }
        func line(_ fields: [String]) -> String {
            let widths = [-20, -6, 5, 4, 5, 10, 10, 8, 8, 7, 11, 9]
            return zip(fields, widths).map { field, w in
                let pad = String(repeating: " ", count: max(abs(w) - field.count, 0))
                return w < 0 ? field + pad : pad + field
            }.joined(separator: " ")
        }
        var lines = [
            "Training step (forward, the rule's update, Adam), flipflop3, Double, OpenBLAS threads \(threads), \(date)",
            "CPU: \(cpu), \(cores) cores, load average \(loadAverage.map { String(format: "%.1f", $0) } ?? "unknown") at the start",
            "BLAS: \(blas)",
            peakGFLOPs.map { "dgemm peak (\(peakSize)², \(threads) OpenBLAS thread(s), fastest of at least 10 products and 1 s per pass): " + String(format: "%.1f GFLOP/s", $0) }
                ?? "dgemm peak: not measured (--peak-size 0), so GFLOP/s has no efficiency ('of peak' is -)",
            "Swift code: \(build ?? "unknown")",
            "ms/step: the fastest of the timed steps (the least disturbed one when the machine is loaded); GFLOP/s and",
            "of peak: the BPTT step's gemm work over its time; xBPTT: time over the BPTT step's; xPyTorch: PyTorch's time over ours.",
            line(["rule", "model", "N", "B", "T", "ms/step", "trials/s", "GFLOP/s", "of peak", "xBPTT", "PyTorch ms", "xPyTorch"]),
        ]
        for r in rows {
            let m = r.measurement
            lines.append(line([
                m.rule, m.model.rawValue, "\(m.hidden)", "\(m.batch)", "\(m.steps)", String(format: "%.3f", m.msPerStep),
                String(format: "%.0f", m.trialsPerSecond), cell(r.gflops, "%.1f"), cell(r.fractionOfPeak, "%.2f"),
                cell(r.ratioToBPTT, "%.2f"), cell(r.pytorchMs, "%.2f"), cell(r.speedupOverPyTorch, "%.2f"),
            ]))
        }
        return lines.joined(separator: "\n")
    }

    /// The report with its derived rows, for tracking (results/bench.json).
    public func json() throws -> String {
        struct Document: Encodable {
            var date, cpu, blas: String
            var build: String?
            var cores: Int
            var loadAverage: Double?
            var threads: Int
            var peakSize: Int
            var peakGFLOPs: Double?
            var timing: String
            var rows: [Row]
            var pytorch: [PyTorchTiming]

            enum CodingKeys: String, CodingKey {
                case date, cpu, blas, build, cores, threads, timing, rows, pytorch
                case loadAverage = "load_average", peakSize = "peak_size", peakGFLOPs = "peak_gflops"
            }

            // Every key present: a value that does not exist is null (docs/outputs.md).
            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(date, forKey: .date)
                try c.encode(cpu, forKey: .cpu)
                try c.encode(blas, forKey: .blas)
                try c.encode(build, forKey: .build)
                try c.encode(cores, forKey: .cores)
                try c.encode(loadAverage, forKey: .loadAverage)
                try c.encode(threads, forKey: .threads)
                try c.encode(peakSize, forKey: .peakSize)
                try c.encode(peakGFLOPs, forKey: .peakGFLOPs)
                try c.encode(timing, forKey: .timing)
                try c.encode(rows, forKey: .rows)
                try c.encode(pytorch, forKey: .pytorch)
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let document = Document(
            date: date, cpu: cpu, blas: blas, build: build, cores: cores, loadAverage: loadAverage, threads: threads, peakSize: peakSize, peakGFLOPs: peakGFLOPs,
            timing: "ms_per_step is the fastest of the timed steps after one warm-up (min of repeats); ms_median their median",
            rows: rows, pytorch: pytorch)
        return String(decoding: try encoder.encode(document), as: UTF8.self)
    }
}
