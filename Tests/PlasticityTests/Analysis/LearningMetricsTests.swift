import XCTest
@testable import Plasticity

/// The baseline-relative learning-curve measures (`PlateauDefinition`, docs/protocols.md) on
/// synthetic curves: evaluations every 100 trials, budget 10,000 (abruptness window 500 trials),
/// trivial baseline B = 1/6 (delayed addition's).
final class LearningMetricsTests: XCTestCase {
    let b = 1.0 / 6

    func result(_ losses: [Double], every: Int = 100, reachedAt: Int? = nil, status: RunStatus = .budget, baseline: Double? = 1.0 / 6) -> TrainingResult {
        let curve = losses.enumerated().map { i, loss in
            CurvePoint(trials: i * every, trainLoss: loss, validationLoss: loss, validationAccuracy: 1 - loss)
        }
        return TrainingResult(
            status: status, trialsToCriterion: reachedAt, trialsTrained: curve.last!.trials, divergedAtTrial: nil,
            final: Evaluation(loss: losses.last!, accuracy: 1 - losses.last!), curve: curve, wallSeconds: 1.5,
            baseline: baseline, curveBaseline: baseline)
    }

    /// Losses at t = 0, 100, ..., 10,000 from a function of t.
    func curve(_ f: (Int) -> Double) -> [Double] { (0...100).map { f($0 * 100) } }

    /// The readout fit (2 → B in one interval), B up to 5000, then one sharp drop to 0.01.
    func testLongPlateauThenSharpDrop() {
        let m = LearningMetrics(result: result(curve { $0 == 0 ? 2 : ($0 < 5000 ? self.b : 0.01) }), budget: 10_000)
        XCTAssertEqual(m.plateauEntry, 100)
        XCTAssertEqual(m.escapeTrial, 5000)
        XCTAssertEqual(m.plateauLength, 4900)
        XCTAssertFalse(m.plateauCensored)
        XCTAssertEqual(m.abruptness, 1, accuracy: 1e-12)
        XCTAssertEqual(m.finalLossNormalised, 0.06, accuracy: 1e-12)
    }

    /// L = 2 exp(-t/2000): enters 1.1 B at 4800 (2000 ln(2/(1.1 B)) = 4779), below B/2 from 6400
    /// (2000 ln 24 = 6356). The plateau is the traverse of the band, ln(2.2) τ; abruptness is low:
    /// the steepest 500 trials, from 5000 (0.164) to 5500 (0.128), cover 0.036 of B - L(10000) = 0.153.
    func testSmoothExponentialDecay() {
        let m = LearningMetrics(result: result(curve { 2 * exp(-Double($0) / 2000) }), budget: 10_000)
        XCTAssertEqual(m.plateauEntry, 4800)
        XCTAssertEqual(m.escapeTrial, 6400)
        XCTAssertEqual(m.plateauLength, 1600)
        let steepest = 2 * exp(-5000.0 / 2000) - 2 * exp(-5500.0 / 2000)
        XCTAssertEqual(m.abruptness, steepest / (b - 2 * exp(-5.0)), accuracy: 1e-12)
        XCTAssertLessThan(m.abruptness, 0.25)
    }

    /// Learned within the first interval: the band is entered and left at once, plateau 0, abrupt.
    func testImmediateLearning() {
        let m = LearningMetrics(result: result(curve { $0 == 0 ? 2 : 0.01 }), budget: 10_000)
        XCTAssertEqual(m.plateauEntry, 100)
        XCTAssertEqual(m.escapeTrial, 100)
        XCTAssertEqual(m.plateauLength, 0)
        XCTAssertEqual(m.abruptness, 1, accuracy: 1e-12)
    }

    /// Single outliers: an in-band evaluation during the readout fit does not start the plateau, a
    /// low one on the plateau does not end it, a high one after the escape does not restart it.
    func testNoisyPlateau() {
        let losses = curve { t -> Double in
            switch t {
            case 0, 100, 300, 400: return 2
            case 200: return self.b
            case 1000: return 0.02
            case 2000: return 0.5
            case 7000: return self.b
            default: return t < 5000 ? self.b * 1.05 : 0.01
            }
        }
        let m = LearningMetrics(result: result(losses), budget: 10_000)
        XCTAssertEqual(m.plateauEntry, 500)
        XCTAssertEqual(m.escapeTrial, 5000)
        XCTAssertEqual(m.plateauLength, 4500)
    }

    /// Two plateaus, at B and then at 0.7 B (above the escape level), count as one plateau up to the
    /// escape; abruptness measures the steeper second drop: (0.7 - 0.05) / (1 - 0.05) of the distance.
    func testTwoPlateaus() {
        let m = LearningMetrics(result: result(curve { $0 == 0 ? 2 : ($0 < 3000 ? self.b : ($0 < 6000 ? 0.7 * self.b : 0.05 * self.b)) }), budget: 10_000)
        XCTAssertEqual(m.plateauEntry, 100)
        XCTAssertEqual(m.escapeTrial, 6000)
        XCTAssertEqual(m.plateauLength, 5900)
        XCTAssertEqual(m.abruptness, 0.65 / 0.95, accuracy: 1e-12)
    }

    /// An escape followed by a relapse to the baseline: the escape is the last one, after which the
    /// loss stays low.
    func testRelapseMovesTheEscape() {
        let m = LearningMetrics(result: result(curve { $0 == 0 ? 2 : ($0 < 2000 || ($0 >= 4000 && $0 < 6000) ? self.b : 0.05) }), budget: 10_000)
        XCTAssertEqual(m.escapeTrial, 6000)
        XCTAssertEqual(m.plateauLength, 5900)
    }

    /// Entered and never escaped: censored at the budget, no escape, no abruptness.
    func testCensoredPlateau() {
        let m = LearningMetrics(result: result((0...50).map { $0 == 0 ? 2 : self.b }), budget: 10_000)
        XCTAssertEqual(m.plateauEntry, 100)
        XCTAssertNil(m.escapeTrial)
        XCTAssertTrue(m.plateauCensored)
        XCTAssertEqual(m.plateauLength, 9900, "to the budget, not to the last evaluation at 5000")
        XCTAssertTrue(m.abruptness.isNaN)
        // A run that stopped at criterion on its first evaluation below the escape level escaped there.
        let reached = LearningMetrics(result: result((0...30).map { $0 == 0 ? 2 : ($0 < 30 ? self.b : 0.01) }, reachedAt: 3000, status: .reached), budget: 10_000)
        XCTAssertEqual(reached.escapeTrial, 3000)
        XCTAssertEqual(reached.plateauLength, 2900)
    }

    /// Never near the baseline (a rule that does not learn), or no baseline known: no plateau.
    func testNoEntryAndUnknownBaseline() {
        let m = LearningMetrics(result: result(curve { _ in 2 }), budget: 10_000)
        XCTAssertNil(m.plateauEntry)
        XCTAssertEqual(m.plateauLength, 0)
        XCTAssertFalse(m.plateauCensored)
        XCTAssertNil(m.escapeTrial)
        XCTAssertTrue(m.abruptness.isNaN)
        let unknown = LearningMetrics(result: result(curve { $0 < 5000 ? 1 : 0.01 }, baseline: nil), budget: 10_000)
        XCTAssertNil(unknown.plateauEntry)
        XCTAssertTrue(unknown.finalLossNormalised.isNaN)
    }

    func testSmoothingKeepsStepsAndRemovesSingleOutliers() {
        XCTAssertEqual(PlateauDefinition.smoothed([1, 1, 0, 0]), [1, 1, 0, 0])
        XCTAssertEqual(PlateauDefinition.smoothed([1, 1, 0, 1, 1]), [1, 1, 1, 1, 1])
        XCTAssertEqual(PlateauDefinition.smoothed([1, 0]), [1, 0])
    }

    func testCensoredRunCountsAtBudget() {
        let m = LearningMetrics(result: result([1.0, 0.5, 0.4], every: 1000), budget: 2000)
        XCTAssertTrue(m.censored)
        XCTAssertEqual(m.trialsToCriterionOrBudget, 2000)
        XCTAssertEqual(m.areaUnderCurve, 0.6, accuracy: 1e-12)
        XCTAssertEqual(m.trialOfLargestDrop, 1000)
    }

    func testDivergedRunHasNoAreaAndUsesFinitePartOnly() {
        var r = result([1.0, 0.5, .nan], every: 500, status: .diverged)
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
