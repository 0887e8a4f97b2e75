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
            "lambda": 0.1, "window": 2, "plateau-tolerance": 0.05, "growth": 2, "release": 0.5, "drop": 0.3, "max-lambda": 0.5,
        ]))
    }

    func testPlateauControllerRaisesOnThePlateauCapsAndReleasesAfterTheDrop() throws {
        var s = try plateauSchedule()
        // Not enough history for a window of 2: nothing changes.
        for loss in [1.0, 0.99] { s.observe(validationLoss: loss, collapsed: false) }
        XCTAssertEqual(s.lambda(atTrial: 0), 0.1)
        XCTAssertEqual(s.phase, .watching)
        // Plateau: improvements of ~2% per window, below the 5% tolerance: doubled, then capped at 0.5.
        var seen: [Double] = []
        for loss in [0.985, 0.98, 0.975, 0.97] {
            s.observe(validationLoss: loss, collapsed: false)
            seen.append(s.lambda(atTrial: 0))
        }
        XCTAssertEqual(seen, [0.2, 0.4, 0.5, 0.5])
        XCTAssertEqual(s.phase, .raising)
        // Steady learning (10% over the window): held.
        s.observe(validationLoss: 0.9, collapsed: false)
        s.observe(validationLoss: 0.88, collapsed: false)
        XCTAssertEqual(s.phase, .watching)
        XCTAssertEqual(s.lambda(atTrial: 0), 0.5)
        // The abrupt drop: released, then decayed at every evaluation, even on a new plateau.
        s.observe(validationLoss: 0.3, collapsed: false)
        XCTAssertEqual(s.phase, .released)
        XCTAssertEqual(s.lambda(atTrial: 0), 0.25)
        for _ in 0..<3 { s.observe(validationLoss: 0.3, collapsed: false) }
        XCTAssertEqual(s.lambda(atTrial: 0), 0.03125)
        XCTAssertEqual(s.phase, .released)
    }

    func testPlateauControllerBacksOffOnCollapseAndNeverReturnsToThatStrength() throws {
        var s = try plateauSchedule()
        for loss in [1.0, 1.0, 1.0, 1.0] { s.observe(validationLoss: loss, collapsed: false) }
        XCTAssertEqual(s.lambda(atTrial: 0), 0.4)
        s.observe(validationLoss: 1.0, collapsed: true)
        XCTAssertEqual(s.lambda(atTrial: 0), 0.2)
        XCTAssertEqual(s.cap, 0.2)
        XCTAssertEqual(s.collapses, 1)
        for _ in 0..<5 { s.observe(validationLoss: 1.0, collapsed: false) }
        XCTAssertEqual(s.lambda(atTrial: 0), 0.2, "still on the plateau, but capped below the collapsing strength")
    }

    func testTimeSchedulesIgnoreObservations() {
        var s = TCRSchedule(config: TCRConfig(lambda: 0.4))
        s.observe(validationLoss: 1, collapsed: true)
        XCTAssertEqual(s.lambda(atTrial: 5), 0.4)
    }

    func testBadSettingsNameTheKeyAndTheValidChoices() {
        XCTAssertThrowsError(try TCRConfig(schedule: "cosine", settings: [:], file: "rules/x.toml")) {
            XCTAssertEqual("\($0)", "rules/x.toml: tcr: unknown schedule 'cosine'; valid: constant, freeze-in, plateau")
        }
        XCTAssertThrowsError(try TCRConfig(schedule: "constant", settings: ["lamda": 1])) {
            XCTAssertTrue("\($0)".hasPrefix("tcr: unknown parameter 'lamda'; valid: lambda, freeze-until"), "\($0)")
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
