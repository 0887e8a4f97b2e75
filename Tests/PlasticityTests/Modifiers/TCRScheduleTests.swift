import XCTest
@testable import Plasticity

final class TCRScheduleTests: XCTestCase {
    func testConstantAndFreezeIn() throws {
        let constant = TCRSchedule(config: TCRConfig(lambda: 0.4))
        XCTAssertEqual([0, 1_000, 1_000_000].map(constant.lambda(atTrial:)), [0.4, 0.4, 0.4])
        let freeze = TCRSchedule(config: try TCRConfig(schedule: "freeze-in", settings: ["lambda": 2, "freeze-until": 100, "anneal-until": 300]))
        XCTAssertEqual(freeze.lambda(atTrial: 0), 2)
        XCTAssertEqual(freeze.lambda(atTrial: 100), 2)
        XCTAssertEqual(freeze.lambda(atTrial: 150), 1.5)
        XCTAssertEqual(freeze.lambda(atTrial: 200), 1)
        XCTAssertEqual(freeze.lambda(atTrial: 300), 0)
        XCTAssertEqual(freeze.lambda(atTrial: 10_000), 0)
    }

    func plateauSchedule() throws -> TCRSchedule {
        TCRSchedule(config: try TCRConfig(schedule: "plateau", settings: [
            "lambda": 0.1, "persistence": 2, "growth": 2, "release": 0.5, "max-lambda": 1, "band": 0.1, "escape": 0.5,
        ]))
    }

    /// Feeds losses in units of the baseline B = 0.2; returns lambda after each.
    func feed(_ s: inout TCRSchedule, _ relative: [Double], collapsed: Bool = false) -> [Double] {
        relative.map { r in
            s.observe(validationLoss: r * 0.2, baseline: 0.2, collapsed: collapsed)
            return s.lambda(atTrial: 0)
        }
    }

    /// The readout fit (3 B → 1.5 B) does not arm it; two evaluations in the band do; lambda is
    /// raised while the plateau lasts (capped), held through one escaped evaluation, released after
    /// two; a second plateau re-arms it from the starting lambda.
    func testPlateauControllerArmsRaisesReleasesAndRearms() throws {
        var s = try plateauSchedule()
        XCTAssertEqual(feed(&s, [3, 1.5]), [0.1, 0.1])
        XCTAssertEqual(s.phase, .watching)
        XCTAssertEqual(feed(&s, [1.05, 1.02, 1.0, 1.01, 0.98]), [0.1, 0.2, 0.4, 0.8, 1.0])
        XCTAssertEqual(s.phase, .raising)
        XCTAssertEqual(s.armings, 1)
        // One escaped evaluation (noise) holds lambda; a return above the band holds it too.
        XCTAssertEqual(feed(&s, [0.3, 1.0, 1.4]), [1.0, 1.0, 1.0])
        XCTAssertEqual(s.phase, .raising)
        // The escape: two evaluations below B/2, then decayed at every evaluation.
        XCTAssertEqual(feed(&s, [0.3, 0.2, 0.1, 0.1]), [1.0, 0.5, 0.25, 0.125])
        XCTAssertEqual(s.phase, .released)
        // A later plateau: one evaluation in the band is not enough, two re-arm it.
        XCTAssertEqual(feed(&s, [0.95, 1.0, 1.0]), [0.0625, 0.2, 0.4])
        XCTAssertEqual(s.phase, .raising)
        XCTAssertEqual(s.armings, 2)
    }

    /// A curve that never sits near the baseline (immediate learning, or a rule that never learns)
    /// never raises lambda.
    func testPlateauControllerWithoutAPlateauNeverRaises() throws {
        var learner = try plateauSchedule()
        XCTAssertEqual(feed(&learner, [3, 0.4, 0.1, 0.05, 0.05, 1.05, 0.05]), Array(repeating: 0.1, count: 7))
        XCTAssertEqual(learner.armings, 0)
        var stuck = try plateauSchedule()
        XCTAssertEqual(feed(&stuck, Array(repeating: 3, count: 10)), Array(repeating: 0.1, count: 10))
        // Without a known baseline it never arms either.
        var unknown = try plateauSchedule()
        for _ in 0..<5 { unknown.observe(validationLoss: 0.2, baseline: .nan, collapsed: false) }
        XCTAssertEqual(unknown.lambda(atTrial: 0), 0.1)
        XCTAssertEqual(unknown.phase, .watching)
    }

    func testPlateauControllerBacksOffOnCollapseAndNeverReturnsToThatStrength() throws {
        var s = try plateauSchedule()
        XCTAssertEqual(feed(&s, [1, 1, 1]), [0.1, 0.2, 0.4])
        XCTAssertEqual(feed(&s, [1], collapsed: true), [0.2])
        XCTAssertEqual(s.cap, 0.2)
        XCTAssertEqual(s.collapses, 1)
        XCTAssertEqual(feed(&s, [1, 1, 1, 1, 1]).last, 0.2, "still on the plateau, but capped below the collapsing strength")
    }

    func testTimeSchedulesIgnoreObservations() {
        var s = TCRSchedule(config: TCRConfig(lambda: 0.4))
        s.observe(validationLoss: 1, baseline: 1, collapsed: true)
        XCTAssertEqual(s.lambda(atTrial: 5), 0.4)
    }

    func testBadSettingsNameTheKeyAndTheValidChoices() {
        XCTAssertThrowsError(try TCRConfig(schedule: "cosine", settings: [:], file: "rules/x.toml")) {
            XCTAssertEqual("\($0)", "rules/x.toml: tcr: unknown schedule 'cosine'; valid: constant, freeze-in, plateau")
        }
        XCTAssertThrowsError(try TCRConfig(schedule: "constant", settings: ["lamda": 1])) {
            XCTAssertTrue("\($0)".hasPrefix("tcr: unknown parameter 'lamda' (did you mean 'lambda'?); valid: lambda, freeze-until"), "\($0)")
        }
        XCTAssertThrowsError(try TCRConfig(schedule: "constant", settings: ["lambda": -1])) {
            XCTAssertEqual("\($0)", "tcr: lambda: value -1 out of range; valid: 0.0...100.0")
        }
        XCTAssertThrowsError(try TCRConfig(schedule: "freeze-in", settings: ["freeze-until": 500, "anneal-until": 500])) {
            XCTAssertEqual("\($0)", "tcr: anneal-until: value 500 out of range; valid: > freeze-until (500)")
        }
        XCTAssertThrowsError(try TCRConfig(schedule: "plateau", settings: ["lambda": 1, "max-lambda": 0.5])) {
            XCTAssertEqual("\($0)", "tcr: max-lambda: value 0.5 out of range; valid: >= lambda (1)")
        }
        XCTAssertThrowsError(try TCRConfig(schedule: "plateau", settings: ["band": 0.1, "escape": 1.2])) {
            XCTAssertTrue("\($0)".hasPrefix("tcr: escape: value 1.2 out of range"), "\($0)")
        }
        XCTAssertThrowsError(try TCRConfig(schedule: "plateau", settings: ["lambda": 0])) {
            XCTAssertTrue("\($0)".hasPrefix("tcr: lambda: value 0 out of range"), "\($0)")
        }
        XCTAssertNoThrow(try TCRConfig(schedule: "plateau", settings: [:]))
    }

    /// A trajectory whose final states are the given rows (earlier states arbitrary).
    func trajectory(finalStates rows: [[Double]]) -> Trajectory {
        var tr = Trajectory(capacity: 2, batch: rows.count, hidden: rows[0].count, outputs: 1)
        tr.prepare(steps: 2)
        for (b, row) in rows.enumerated() {
            for (j, v) in row.enumerated() {
                tr.states[1, b, j] = Double(b + j)
                tr.states[2, b, j] = v
            }
        }
        return tr
    }

    func testCollapseDetector() {
        let collapsed = trajectory(finalStates: [[0.5, -0.2, 0.1], [0.5, -0.2, 0.1], [0.5 + 1e-5, -0.2, 0.1]])
        XCTAssertLessThan(CollapseDetector.relativeSpread(collapsed), 1e-4)
        XCTAssertTrue(CollapseDetector.isCollapsed(collapsed))
        XCTAssertTrue(CollapseDetector.isCollapsed(trajectory(finalStates: [[0, 0], [0, 0]])), "the trivial point h = 0")
        // Two well-separated memories: spread sqrt(1) relative to norm sqrt(1) = 1.
        let healthy = trajectory(finalStates: [[1, 0], [-1, 0]])
        XCTAssertEqual(CollapseDetector.relativeSpread(healthy), 1, accuracy: 1e-15)
        XCTAssertFalse(CollapseDetector.isCollapsed(healthy))
        // Spread is relative: the same 4% offset (spread ≈ 0.0196) counts at any scale.
        let small = trajectory(finalStates: [[1e-6, 0], [1.04e-6, 0]]), large = trajectory(finalStates: [[1e3, 0], [1.04e3, 0]])
        XCTAssertEqual(CollapseDetector.relativeSpread(small), CollapseDetector.relativeSpread(large), accuracy: 1e-12)
        XCTAssertFalse(CollapseDetector.isCollapsed(small))
        XCTAssertTrue(CollapseDetector.isCollapsed(small, threshold: 0.02))
    }
}
