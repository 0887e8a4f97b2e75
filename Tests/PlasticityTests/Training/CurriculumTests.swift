import XCTest
@testable import Plasticity
@testable import PlasticityTraining

final class CurriculumTests: XCTestCase {
    /// A tiny curriculum: N-DMS from N = 2, a 16-neuron tanh leaky RNN, BPTT with Adam.
    func tiny(_ kind: CurriculumKind, maxN: Int = 4, budget: Int = 30_000, seed: UInt64 = 1, rule: String = "bptt") -> CurriculumRun {
        var spec = RunSpec(task: "n-dms")
        spec.rule = rule
        spec.model.hidden = 16
        spec.model.activation = .tanh
        spec.training.batchSize = 32
        spec.training.maxTrials = budget
        spec.optimizerOverrides = OptimizerSettings(kind: .adam, learningRate: 0.01, clipNorm: 2)
        spec.seed = seed
        var c = CurriculumConfig(kind: kind)
        c.maxN = maxN
        c.window = 2
        c.step = 1
        c.threshold = 0.9
        c.checkEvery = 256
        c.testSize = 256
        c.beyond = 2
        return CurriculumRun(spec: spec, curriculum: c)
    }

    func testStagesFollowEachCurriculum() {
        var c = CurriculumConfig(kind: .singleHead)
        c.maxN = 6
        XCTAssertEqual(c.firstStage, 2...2)
        XCTAssertEqual(c.next(after: 2...2), 3...3)
        XCTAssertNil(c.next(after: 6...6))
        XCTAssertEqual(c.heads, 1)
        c.kind = .multiHead
        XCTAssertEqual(c.next(after: 2...4), 2...5)
        XCTAssertEqual(c.heads, 5)
        c.kind = .sliding
        c.window = 3
        c.step = 2
        XCTAssertEqual(c.firstStage, 2...4)
        XCTAssertEqual(c.next(after: 2...4), 4...6)
        XCTAssertNil(c.next(after: 4...6))
        XCTAssertEqual(c.heads, 3)
    }

    func testSingleHeadAdvancesNAndRecordsTrialsPerN() throws {
        let r = try tiny(.singleHead).execute().result
        XCTAssertNotEqual(r.status, .diverged)
        XCTAssertGreaterThanOrEqual(r.largestN ?? 0, 3, "N advanced at least once: \(r.stages)")
        // Stages in order, one N each, every passed one before the last.
        XCTAssertEqual(r.stages.map(\.largestN), Array(2..<(2 + r.stages.count)))
        XCTAssertEqual(r.stages.map(\.lowestN), r.stages.map(\.largestN))
        XCTAssertTrue(r.stages.dropLast().allSatisfy(\.passed))
        XCTAssertEqual(r.stages.map(\.trials).reduce(0, +), r.trialsTrained)
        XCTAssertTrue(r.stages.allSatisfy { $0.trials > 0 })
        // Every passed N is re-tested on the stream with head 0, with its baseline; beyond: head 0 too.
        XCTAssertEqual(r.retention.map(\.n), Array(2...r.largestN!))
        XCTAssertTrue(r.retention.allSatisfy { $0.head == 0 && $0.baseline != nil })
        XCTAssertEqual(r.generalisation.map(\.n), [r.largestN! + 1, r.largestN! + 2])
        XCTAssertGreaterThan(r.retention.last!.baseline!, 0.75, "the stream test sees the N just learned")
    }

    func testMultiHeadAddsAHeadOnlyAfterAllHeadsPassAndInactiveHeadsStayUntouched() throws {
        let run = tiny(.multiHead, maxN: 5)
        let outcome = try run.execute()
        let r = outcome.result
        XCTAssertGreaterThanOrEqual(r.largestN ?? 0, 3, "a second head joined: \(r.stages)")
        for (before, after) in zip(r.checks, r.checks.dropFirst()) {
            XCTAssertEqual(before.headAccuracies.count, before.largestN - 1)
            if before.passed {
                XCTAssertEqual(after.largestN, before.largestN + 1)
                XCTAssertTrue(before.headAccuracies.last! > 0.9)
                XCTAssertTrue(before.headAccuracies.reduce(0, +) / Double(before.headAccuracies.count) > 0.9)
            } else {
                XCTAssertEqual(after.largestN, before.largestN, "no head joins before all pass")
            }
        }
        // Heads the curriculum never reached got no gradient: their readout rows are the initial ones.
        let initial = run.spec.model.makeModel(inputSize: 1, outputSize: 2 * run.curriculum.heads, rng: RunStreams(seed: run.spec.seed).initialization)
        let v = initial.layout["V"], hidden = run.spec.model.hidden
        let lastStage = r.stages.last!.largestN
        let untouched = (2 * (lastStage - 1))..<(2 * run.curriculum.heads)
        let changed = (0..<2)
        for row in untouched { for j in 0..<hidden { XCTAssertEqual(outcome.model.parameters[v.offset + row * hidden + j], initial.parameters[v.offset + row * hidden + j]) } }
        XCTAssertNotEqual(changed.map { outcome.model.parameters[v.offset + $0 * hidden] }, changed.map { initial.parameters[v.offset + $0 * hidden] })
        // Multi-head keeps one head per passed N.
        XCTAssertEqual(r.retention.map(\.head), Array(0..<r.retention.count))
    }

    func testSlidingMovesTheWindow() throws {
        let r = try tiny(.sliding, maxN: 5).execute().result
        XCTAssertEqual(r.stages.first.map { $0.lowestN...$0.largestN }, 2...3)
        for s in r.stages { XCTAssertEqual(s.largestN - s.lowestN, 1) }
        for (a, b) in zip(r.stages, r.stages.dropFirst()) { XCTAssertEqual(b.lowestN, a.lowestN + 1) }
    }

    func testBudgetExhaustionIsRecorded() throws {
        let r = try tiny(.multiHead, maxN: 30, budget: 640).execute().result
        XCTAssertEqual(r.status, .budget)
        XCTAssertEqual(r.trialsTrained, 640)
        XCTAssertFalse(r.stages.last!.passed)
        XCTAssertEqual(r.stages.map(\.trials).reduce(0, +), 640)
        XCTAssertEqual(r.checks.last?.trials, 640, "the budget's end is checked")
    }

    func testSameSeedSameTrialsPerN() throws {
        let a = try tiny(.singleHead, budget: 8_000, seed: 7).execute().result
        var b = try tiny(.singleHead, budget: 8_000, seed: 7).execute().result
        b.wallSeconds = a.wallSeconds
        XCTAssertEqual(a, b)
        let c = try tiny(.singleHead, budget: 8_000, seed: 8).execute().result
        XCTAssertNotEqual(a.checks.map(\.headAccuracies), c.checks.map(\.headAccuracies))
    }

    func testEveryRuleAndModelTrainsAMultiHeadNetworkUnchanged() throws {
        for rule in ["eprop-random", "rflo", "node-perturbation", "weight-perturbation", "rtrl", "tbptt-10"] {
            let r = try tiny(.multiHead, budget: 512, rule: rule).execute().result
            XCTAssertEqual(r.trialsTrained, 512, rule)
            XCTAssertTrue(r.checks.allSatisfy { $0.trainLoss.isFinite }, rule)
        }
        for kind in [ModelKind.gru, .lstm] {
            var run = tiny(.multiHead, budget: 512)
            run.spec.model.kind = kind
            let r = try run.execute().result
            XCTAssertEqual(r.trialsTrained, 512, kind.rawValue)
        }
    }

    func testSummaryTextAndJSON() throws {
        let run = tiny(.multiHead, budget: 2_048)
        let outcome = try run.execute()
        let r = outcome.result
        let text = CurriculumSummary.text(run, r, settings: outcome.settings)
        XCTAssertTrue(text.hasPrefix("multi-head curriculum on n-dms, rule bptt, model leaky (hidden 16), seed 1\n"), text)
        XCTAssertTrue(text.contains("trials per N: N=2 "), text)
        // What ran, after precedence: the stated optimiser (`tiny`'s), not the spec's default; no criterion.
        let learningRate = try XCTUnwrap(run.spec.optimizerOverrides.learningRate)
        XCTAssertNotEqual(learningRate, run.spec.training.optimizer.learningRate)
        XCTAssertTrue(text.contains("settings: optimizer adam, lr \(formatNumber(learningRate))"), text)
        XCTAssertTrue(text.contains("multi-head curriculum: N and the pass rule set by it"), text)
        XCTAssertFalse(text.contains("criterion"), text)
        let json = try CurriculumSummary.json(run, r, settings: outcome.settings)
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        XCTAssertEqual((object["result"] as! [String: Any])["trials_trained"] as? Int, r.trialsTrained)
        let settings = try XCTUnwrap(object["settings"] as? [String: Any])
        XCTAssertEqual(settings["learning_rate"] as? Double, learningRate)
        XCTAssertEqual(settings["curriculum"] as? String, "multi-head")
    }

    func testRelativeAccuracyIsThePapers() {
        XCTAssertEqual(StreamAccuracy(n: 3, head: 0, accuracy: 0.75, baseline: 1).relative, 0.5)
        XCTAssertNil(StreamAccuracy(n: 3, head: 0, accuracy: 0.75, baseline: nil).relative)
        XCTAssertNil(StreamAccuracy(n: 3, head: 0, accuracy: 0.75, baseline: 0.5).relative)
    }

    func testBadInputNamesTheKeyAndTheValidChoices() {
        var run = tiny(.sliding)
        run.spec.task = "flipflop3"
        XCTAssertThrowsError(try run.validate()) { XCTAssertTrue("\($0)".contains("n-parity, n-dms"), "\($0)") }
        run = tiny(.sliding)
        run.curriculum.window = 10
        XCTAssertThrowsError(try run.validate()) { XCTAssertTrue("\($0)".contains("window"), "\($0)") }
    }
}
