import XCTest
@testable import Plasticity

final class LearningMetricsTests: XCTestCase {
    func result(_ losses: [Double], every: Int = 500, reachedAt: Int? = nil, status: RunStatus = .budget) -> TrainingResult {
        let curve = losses.enumerated().map { i, loss in
            CurvePoint(trials: i * every, trainLoss: loss, validationLoss: loss, validationAccuracy: 1 - loss)
        }
        return TrainingResult(
            status: status, trialsToCriterion: reachedAt, trialsTrained: curve.last!.trials, divergedAtTrial: nil,
            final: Evaluation(loss: losses.last!, accuracy: 1 - losses.last!), curve: curve, wallSeconds: 1.5)
    }

    /// Flat at 1.0 up to trial 5000, then one abrupt drop to 0.1 at 5500, flat to 10000.
    func testPlateauThenAbruptDrop() {
        let losses = (0...20).map { $0 <= 10 ? 1.0 : 0.1 }
        let m = LearningMetrics(result: result(losses, reachedAt: 5500, status: .reached), budget: 10_000)
        XCTAssertEqual(m.plateauLength, 5000)
        XCTAssertEqual(m.trialOfLargestDrop, 5500)
        XCTAssertEqual(m.abruptness, 1, accuracy: 1e-12)
        // 1.0 × 5000 + (1.0 + 0.1)/2 × 500 + 0.1 × 4500, over 10000 trials.
        XCTAssertEqual(m.areaUnderCurve, 0.5725, accuracy: 1e-12)
        XCTAssertEqual(m.trialsToCriterion, 5500)
        XCTAssertFalse(m.censored)
        XCTAssertEqual(m.trialsToCriterionOrBudget, 5500)
    }

    /// A plateau, a small wobble, then a drop spread over two intervals: the larger half wins.
    func testLargestDropAndPartialAbruptness() {
        let losses = [1.0, 1.0, 0.98, 1.0, 1.0, 0.6, 0.2, 0.2]  // total drop 0.8; largest single drop 0.4
        let m = LearningMetrics(result: result(losses, every: 100), budget: 700)
        XCTAssertEqual(m.trialOfLargestDrop, 500)  // 1.0 → 0.6 ties 0.6 → 0.2; the first wins
        XCTAssertEqual(m.abruptness, 0.5, accuracy: 1e-12)
        XCTAssertEqual(m.plateauLength, 400)  // the wobble to 0.98 stays above 1 - 0.1 × 0.8 = 0.92
    }

    func testGradualDeclineIsNotAbrupt() {
        let losses = (0...9).map { 1.0 - 0.1 * Double($0) }  // 1.0 down to 0.1 in equal steps
        let m = LearningMetrics(result: result(losses), budget: 4500)
        XCTAssertEqual(m.abruptness, 1.0 / 9, accuracy: 1e-9)  // each step is a ninth of the total drop
        XCTAssertEqual(m.plateauLength, 0)  // below 1 - 0.1 × 0.9 = 0.91 after the first interval
    }

    /// A loss that first rises (a noisy rule) is measured against its whole range: abruptness <= 1.
    func testRiseBeforeTheDropKeepsAbruptnessAtMostOne() {
        let m = LearningMetrics(result: result([1.0, 1.5, 0.5], every: 100), budget: 200)
        XCTAssertEqual(m.abruptness, 1, accuracy: 1e-12)  // 1.5 → 0.5 is the whole range
        XCTAssertEqual(m.trialOfLargestDrop, 200)
        XCTAssertEqual(m.plateauLength, 100)  // below 1 - 0.1 × 0.5 = 0.95 only at 200
    }

    func testNoLearningIsAllPlateauAndCensored() {
        let m = LearningMetrics(result: result([0.5, 0.5, 0.5]), budget: 2000)
        XCTAssertEqual(m.plateauLength, 1000)
        XCTAssertNil(m.trialOfLargestDrop)
        XCTAssertEqual(m.abruptness, 0)
        XCTAssertTrue(m.censored)
        XCTAssertEqual(m.trialsToCriterionOrBudget, 2000)
        XCTAssertEqual(m.areaUnderCurve, 0.5, accuracy: 1e-12)  // carried to the budget
    }

    func testDivergedRunHasNoAreaAndUsesFinitePartOnly() {
        var r = result([1.0, 0.5, .nan], status: .diverged)
        r.divergedAtTrial = 1000
        let m = LearningMetrics(result: r, budget: 2000)
        XCTAssertTrue(m.areaUnderCurve.isNaN)
        XCTAssertTrue(m.censored)
        XCTAssertEqual(m.trialOfLargestDrop, 500)
    }

    func testRobustnessAreaIsNormalisedTrapezoid() {
        XCTAssertEqual(RobustnessCurve.area(levels: [0, 0.5, 1], accuracy: [1, 1, 1]), 1, accuracy: 1e-12)
        XCTAssertEqual(RobustnessCurve.area(levels: [0, 1], accuracy: [1, 0]), 0.5, accuracy: 1e-12)
        XCTAssertEqual(RobustnessCurve.area(levels: [1, 0, 0.5], accuracy: [0, 1, 1]), 0.75, accuracy: 1e-12)
    }
}
