import Foundation
import XCTest
@testable import Plasticity

/// `plasticity bench`'s plan: option parsing, which cases it times, and the shape of its table and
/// JSON with their derived columns (not the timings).
final class BenchmarkPlanTests: XCTestCase {
    func testListsAreParsedAndCheckedWithTheOptionNamed() throws {
        XCTAssertEqual(try BenchmarkPlan.sizes("4, 8,16"), [4, 8, 16])
        XCTAssertThrowsError(try BenchmarkPlan.sizes("4,x")) { XCTAssertEqual("\($0)", "--hidden: 'x' is not a size in 1...4096") }
        XCTAssertThrowsError(try BenchmarkPlan.sizes("5000")) { XCTAssertEqual("\($0)", "--hidden: '5000' is not a size in 1...4096") }
        XCTAssertThrowsError(try BenchmarkPlan.sizes("0", key: "--batch")) { XCTAssertEqual("\($0)", "--batch: '0' is not a size in 1...4096") }
        XCTAssertEqual(try BenchmarkPlan.rules("bptt, eprop"), ["bptt", "eprop"])
        XCTAssertThrowsError(try BenchmarkPlan.rules("bptt,nope")) { XCTAssertTrue("\($0)".hasPrefix("--rules: unknown rule 'nope'"), "\($0)") }
        XCTAssertEqual(try BenchmarkPlan.models("leaky,gru"), [.leaky, .gru])
        XCTAssertThrowsError(try BenchmarkPlan.models("rnn")) { XCTAssertTrue("\($0)".hasPrefix("--models: unknown model 'rnn'"), "\($0)") }
        var plan = BenchmarkPlan()
        plan.threads = 0
        XCTAssertThrowsError(try plan.run()) { XCTAssertEqual("\($0)", "--threads: value 0 out of range; valid: 1...64") }
        plan = BenchmarkPlan()
        plan.passes = 0
        XCTAssertThrowsError(try plan.validate()) { XCTAssertEqual("\($0)", "--passes: value 0 out of range; valid: 1...10") }
        plan = BenchmarkPlan()
        plan.minimumSeconds = 4
        XCTAssertThrowsError(try plan.validate()) { XCTAssertEqual("\($0)", "--min-seconds: value 4 out of range; valid: 0...3") }
    }

    /// Every rule on the leaky RNN, BPTT alone on the other models, RTRL only up to its size limit, BPTT first per size.
    func testCasesCoverEveryRuleOnTheLeakyRNNAndBPTTOnTheOtherModels() {
        let plan = BenchmarkPlan()
        let cases = plan.cases
        XCTAssertEqual(Set(cases.filter { $0.model != .leaky }.map(\.rule)), ["bptt"])
        XCTAssertEqual(Set(cases.filter { $0.model == .leaky }.map(\.rule)), Set(BenchmarkPlan.defaultRules))
        XCTAssertEqual(Set(cases.filter { $0.rule == "rtrl" }.map(\.hidden)), [32])
        XCTAssertEqual(Set(cases.map(\.hidden)), [32, 64, 128, 256])
        XCTAssertEqual(Set(cases.map(\.batch)), [32, 64])
        XCTAssertTrue(cases.allSatisfy { $0.steps == 100 })
        XCTAssertEqual(cases.count, 6 * 8 + 2 + 3 * 8)
        XCTAssertEqual(cases.first, Benchmark.Case(rule: "bptt", model: .leaky, hidden: 32, batch: 32, steps: 100))
    }

    func testTableAndJSONCarryTheComparisons() throws {
        var plan = BenchmarkPlan()
        plan.rules = ["eprop", "bptt"]
        plan.models = [.leaky, .gru]
        plan.sizes = [3]
        plan.batches = [2]
        plan.steps = 4
        plan.repeats = 2
        plan.minimumSeconds = 0
        plan.passes = 1
        plan.peakSize = 0
        var report = try plan.run()
        XCTAssertEqual(report.measurements.map(\.rule), ["bptt", "eprop", "bptt"])
        XCTAssertTrue(report.measurements.allSatisfy { $0.msPerStep > 0 && $0.msPerStep <= $0.msMedian && $0.repeats == 2 })
        report.peakGFLOPs = 10
        report.pytorch = [PyTorchTiming(hidden: 3, batch: 2, steps: 4, ms: 2 * report.measurements[0].msPerStep, version: "x")]
        let rows = report.rows
        XCTAssertEqual(rows[0].ratioToBPTT, 1)
        XCTAssertEqual(rows[0].speedupOverPyTorch!, 2, accuracy: 1e-12)
        XCTAssertEqual(rows[0].fractionOfPeak!, rows[0].gflops! / 10, accuracy: 1e-12)
        XCTAssertNil(rows[1].gflops)
        XCTAssertEqual(rows[1].ratioToBPTT!, report.measurements[1].msPerStep / report.measurements[0].msPerStep, accuracy: 1e-12)
        XCTAssertNil(rows[2].pytorchMs, "PyTorch's step is the leaky RNN's")
        let lines = report.text().components(separatedBy: "\n")
        XCTAssertEqual(lines.count, 8 + 3)
        XCTAssertTrue(lines[1].hasPrefix("CPU: ") && lines[1].contains(" cores, load average ") && lines[2].hasPrefix("BLAS: ") && lines[3].hasSuffix("10.0 GFLOP/s")
                      && lines[4] == "Swift code: unknown", lines.joined(separator: "\n"))
        XCTAssertTrue(lines[8].hasPrefix("bptt                 leaky      3    2     4"), lines[8])
        report.build = "compiled for any x86-64"
        XCTAssertEqual(report.text().components(separatedBy: "\n")[4], "Swift code: compiled for any x86-64")
        let built = try JSONSerialization.jsonObject(with: Data(try report.json().utf8)) as! [String: Any]
        XCTAssertEqual(built["build"] as? String, "compiled for any x86-64")
        let json = try JSONSerialization.jsonObject(with: Data(try report.json().utf8)) as! [String: Any]
        XCTAssertEqual((json["rows"] as! [[String: Any]]).count, 3)
        XCTAssertEqual(json["peak_gflops"] as? Double, 10)
        let row = (json["rows"] as! [[String: Any]])[1]
        XCTAssertEqual(Set(row.keys), ["measurement", "gflops", "fraction_of_peak", "ratio_to_bptt", "pytorch_ms", "speedup_over_pytorch"], "every key, null where absent")
        XCTAssertTrue(row["gflops"] is NSNull)
        XCTAssertEqual(Set((row["measurement"] as! [String: Any]).keys),
                       ["rule", "model", "hidden", "batch", "steps", "ms_per_step", "ms_median", "repeats", "trials_per_second", "bptt_gemm_gflop"])
        report.peakGFLOPs = nil
        XCTAssertEqual(report.text().components(separatedBy: "\n")[3], "dgemm peak: not measured (--peak-size 0), so GFLOP/s has no efficiency ('of peak' is -)")
    }

    /// The gemm work of a BPTT step: 6·T·B·G·N² for the recurrence (forward, carry, dW) plus the input and readout products.
    func testStepFlops() {
        XCTAssertEqual(StepFlops.bptt(model: .leaky, hidden: 256, batch: 64, steps: 100, inputs: 3, outputs: 3),
                       2 * 6400 * (3 * 65536 + 2 * 256 * 3 + 3 * 256 * 3))
        XCTAssertEqual(StepFlops.bptt(model: .lstm, hidden: 2, batch: 1, steps: 1, inputs: 1, outputs: 1), 2 * (3 * 4 * 4 + 2 * 4 * 2 + 3 * 2))
    }
}
