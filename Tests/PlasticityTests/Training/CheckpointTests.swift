import Foundation
import XCTest
@testable import Plasticity

/// `train --checkpoint` / `--resume`: a run resumed from any checkpoint ends bit-identically to the
/// uninterrupted run (parameters, curve, result), for rules with and without carried state.
final class CheckpointTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("checkpoint-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func spec(rule: String, settings: [String: Double] = [:]) -> RunSpec {
        var spec = RunSpec(task: "flipflop3")
        spec.taskParameters = ["T": 20]
        spec.rule = rule
        spec.ruleSettings = settings
        spec.model.hidden = 8
        spec.training.batchSize = 8
        spec.training.maxTrials = 320
        spec.training.evalEvery = 40  // evaluations fall between checkpoints as well as on them
        spec.training.validationSize = 32
        spec.training.curveSize = 16
        spec.training.stopAtCriterion = false
        return spec
    }

    func assertIdentical(_ a: RunOutcome, _ b: RunOutcome, _ message: String, line: UInt = #line) {
        XCTAssertEqual(a.model.parameters.map(\.bitPattern), b.model.parameters.map(\.bitPattern), message, line: line)
        XCTAssertEqual(a.result.curve, b.result.curve, message, line: line)
        XCTAssertEqual(a.result.final, b.result.final, message, line: line)
        XCTAssertEqual(a.result.status, b.result.status, message, line: line)
        XCTAssertEqual(a.result.trialsTrained, b.result.trialsTrained, message, line: line)
        XCTAssertEqual(a.result.trialsToCriterion, b.result.trialsToCriterion, message, line: line)
    }

    func testResumingFromACheckpointIsBitIdentical() throws {
        // node perturbation with the running-average baseline carries state from batch to batch.
        let runs: [(String, [String: Double])] = [
            ("bptt", [:]), ("eprop-random", [:]),
            ("node-perturbation", ["baseline": Double(LossBaseline.allCases.firstIndex(of: .runningAverage)!)]),
        ]
        for (rule, settings) in runs {
            let spec = spec(rule: rule, settings: settings)
            let whole = try spec.execute(memoryLimit: nil)
            for every in [96, 160] {
                let file = directory.appendingPathComponent("\(rule)-\(every).json").path
                let saving = try spec.execute(memoryLimit: nil, saving: (file, every))
                assertIdentical(whole, saving, "\(rule): saving checkpoints changes nothing")
                // The file holds the last checkpoint before the budget: 288 or 160 trials.
                let checkpoint = try TrainingCheckpoint.load(from: file)
                XCTAssertEqual(checkpoint.state.trials, every == 96 ? 288 : 160)
                let resumed = try spec.execute(memoryLimit: nil, resume: (checkpoint, file))
                assertIdentical(whole, resumed, "\(rule) resumed at \(checkpoint.state.trials)")
            }
        }
    }

    func testResumeRefusesAnotherRunAndUnsupportedRuns() throws {
        let file = directory.appendingPathComponent("c.json").path
        let spec = spec(rule: "bptt")
        _ = try spec.execute(memoryLimit: nil, saving: (file, 160))
        var other = spec
        other.seed = 2
        XCTAssertThrowsError(try other.execute(memoryLimit: nil, resume: (try TrainingCheckpoint.load(from: file), file))) {
            XCTAssertEqual("\($0)", "\(file): spec: written by a different run (differs in: seed); valid: the same options as the run that wrote it")
        }
        var modified = spec
        modified.modifiers = [.tcr(try TCRConfig(schedule: "constant", settings: [:], key: "--tcr"))]
        XCTAssertThrowsError(try modified.execute(memoryLimit: nil, saving: (file, 160))) {
            XCTAssertEqual("\($0)", "--checkpoint: not supported for runs with modifiers (tcr); valid: a run without modifiers")
        }
        XCTAssertThrowsError(try spec.execute(memoryLimit: nil, saving: (directory.appendingPathComponent("none/c.json").path, 160))) {
            XCTAssertTrue("\($0)".contains("directory does not exist"), "\($0)")
        }
    }

    func testRandomSourceStateRoundTrips() {
        let a = RandomSource(seed: 3, stream: "data")
        for _ in 0..<1000 { _ = a.uniform() }
        let state = a.state
        let expected = (0..<10).map { _ in a.gaussian() }
        let b = RandomSource(seed: 9, stream: "other")
        XCTAssertTrue(b.restore(state))
        XCTAssertEqual((0..<10).map { _ in b.gaussian() }, expected)
        XCTAssertFalse(b.restore(Data([1, 2, 3])))
    }
}
