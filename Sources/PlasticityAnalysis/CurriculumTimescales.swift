/// The stream instrument (docs/timescales.md) as a curriculum's stage observer (docs/curricula.md,
/// "Timescales as N grows"): PlasticityTraining's curriculum loop cannot see this layer, so the
/// layers that run cells hand it this closure.
extension StreamMeasurement {
    /// The stream options a curriculum's `timescale-steps`, `timescale-trials` and
    /// `timescale-selection` give (the rest: their defaults).
    public static func options(for curriculum: CurriculumConfig) -> StreamMeasureOptions {
        var o = StreamMeasureOptions()
        o.selection = curriculum.timescaleSelection
        o.steps = curriculum.timescaleSteps
        o.trials = curriculum.timescaleTrials
        o.segment = min(o.segment, max(curriculum.timescaleSteps, 1))
        return o
    }

    /// Measures the network at every stage with the same stream (seeded by `seed`), so stages are
    /// compared on identical input; nil when the curriculum's measuring is off. A measurement that
    /// fails (the PCA of a degenerate covariance) leaves the stage unmeasured rather than the run failed.
    public static func curriculumObserver(_ curriculum: CurriculumConfig, seed: UInt64) -> CurriculumStageObserver? {
        guard curriculum.measuresTimescales else { return nil }
        let options = options(for: curriculum)
        return { model, stage, position, trials in
            guard let m = try? measure(model, options: options, seed: seed) else { return nil }
            return CurriculumStageMeasures(
                position: position, lowestN: stage.lowestN, largestN: stage.largestN, trials: trials, passed: stage.passed,
                tau: m.intrinsicTau, tauNet: m.tauNet, fits: m.fits.map(\.model.rawValue),
                dimension: m.medianDimension, participationRatio: m.medianParticipationRatio, varianceFraction: m.varianceFraction)
        }
    }
}
