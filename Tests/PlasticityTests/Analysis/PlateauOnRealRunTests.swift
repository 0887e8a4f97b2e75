import XCTest
@testable import Plasticity

/// The plateau measured on a real run: BPTT (Adam 1e-3, no clipping) on delayed addition (T = 10,
/// tanh, N = 16, g = 1.5, seed 1) fits the readout to the mean within ~600 trials, then sits at the
/// trivial baseline (Var(x1 + x2) ≈ 1/6) for ~16,000 trials before it escapes (measured: entry 640,
/// escape 16,768, final loss 0.26 × B at 20,000 trials; about 0.5 s).
final class PlateauOnRealRunTests: XCTestCase {
    func testPlateauCoversTheStretchAtTheBaseline() throws {
        var spec = RunSpec(task: "delayed-addition")
        spec.taskParameters = ["T": 10]
        spec.model.hidden = 16
        spec.model.activation = .tanh
        spec.model.gain = 1.5
        spec.training.maxTrials = 20_000
        spec.training.evalEvery = 128
        spec.training.curveSize = 256  // the curve on the whole validation set: the stretch is plain to see
        spec.training.stopAtCriterion = false
        spec.seed = 1
        // Adam 1e-3 without clipping, stated here so the run does not depend on rules/bptt.toml.
        spec.optimizerOverrides = OptimizerSettings(kind: .adam, learningRate: 1e-3, clipNorm: .greatestFiniteMagnitude)
        let outcome = try spec.execute()
        let m = LearningMetrics(result: outcome.result, budget: spec.training.maxTrials)
        let b = m.curveBaseline
        XCTAssertEqual(b, 1.0 / 6, accuracy: 0.02, "the validation set's baseline")
        // The stretch at the baseline: the longest run of evaluations within 10% of it.
        let curve = outcome.result.curve
        var best = (start: 0, end: -1), start = 0
        for (i, p) in curve.enumerated() {
            if abs(p.validationLoss - b) > 0.1 * b { start = i + 1; continue }
            if i - start > best.end - best.start { best = (start, i) }
        }
        let stretch = (curve[best.start].trials, curve[best.end].trials)
        XCTAssertGreaterThan(stretch.1 - stretch.0, 8_000, "the run sits at the baseline for a long stretch: \(stretch)")
        let entry = try XCTUnwrap(m.plateauEntry), escape = try XCTUnwrap(m.escapeTrial, "escapes within 20,000 trials")
        XCTAssertLessThanOrEqual(entry, stretch.0, "the plateau starts no later than the stretch")
        XCTAssertGreaterThan(escape, stretch.1, "and ends after it")
        XCTAssertEqual(m.plateauLength, escape - entry)
        XCTAssertFalse(m.plateauCensored)
        XCTAssertLessThan(curve.last!.validationLoss, 0.5 * b)
        XCTAssertGreaterThan(Double(m.plateauLength), 0.4 * Double(spec.training.maxTrials), "entry \(entry), escape \(escape)")
    }
}
