import Foundation

/// One quantity an experimenter could measure in an animal trained on the task, per run: what the
/// predictions table summarises across seeds and the identifiability classifier learns from.
public struct PredictionObservable: Sendable {
    /// Column name (predictions.csv).
    public var name: String
    /// The experiment that measures it (the ranking scores experiments, not single numbers).
    public var group: String
    /// Plain words: "silencing 20% of neurons at random (accuracy points lost)".
    public var text: String
    /// Decimals shown in predictions.md.
    public var digits: Int

    public init(_ name: String, _ group: String, _ text: String, digits: Int = 2) {
        self.name = name
        self.group = group
        self.text = text
        self.digits = digits
    }
}

/// The observables of `plasticity predict` (docs/predictions.md) and how each is read from a stored
/// run: the learning metrics and robustness curves every protocol stores, and the `[predictions]`
/// measures (`PredictionMeasures`).
public enum PredictionCatalog {
    /// Fraction silenced in the headline silencing observables.
    public static let silencedFraction = 0.2

    public static let observables: [PredictionObservable] = [
        PredictionObservable("trials-to-criterion", "learning curve", "trials to criterion (the budget when not reached)", digits: 0),
        PredictionObservable("plateau", "learning curve", "plateau length near the trivial baseline (trials)", digits: 0),
        PredictionObservable("escape-abruptness", "learning curve", "abruptness of the escape from the plateau (share of the loss drop in the steepest window)"),
        PredictionObservable("final-accuracy", "learning curve", "final accuracy (%)", digits: 1),
        PredictionObservable("silencing-random-20", "silencing", "accuracy lost when 20% of neurons are silenced at random (points)", digits: 1),
        PredictionObservable("silencing-tau-20", "silencing", "accuracy lost when the 20% slowest neurons (largest tau) are silenced (points)", digits: 1),
        PredictionObservable("silencing-weight-20", "silencing", "accuracy lost when the 20% neurons with the strongest outgoing weights are silenced (points)", digits: 1),
        PredictionObservable("area:ablation-random", "silencing", "mean accuracy over all silenced fractions, random order"),
        PredictionObservable("area:perturb-weights", "noise", "mean accuracy over weight-noise levels"),
        PredictionObservable("area:perturb-state", "noise", "mean accuracy over state-noise levels"),
        PredictionObservable("area:perturb-tau", "noise", "mean accuracy over tau-noise levels"),
        PredictionObservable("integration-cost", "continuous time", "accuracy lost when the trained map runs as a continuous-time system (finest integration step vs dt = 1, points)", digits: 1),
        PredictionObservable("tau-median", "timescales", "median single-neuron timescale tau (steps)"),
        PredictionObservable("tau-net-median", "timescales", "median network timescale tau_net from autocorrelations (steps)"),
        PredictionObservable("tau-net-iqr", "timescales", "spread (interquartile range) of tau_net across neurons (steps)"),
        PredictionObservable("tau-net-over-tau", "timescales", "tau_net / tau (how much the network lengthens single-neuron timescales)"),
        PredictionObservable("dimension-before", "dimensionality", "PCs for 90% of the variance before learning", digits: 1),
        PredictionObservable("dimension-after", "dimensionality", "PCs for 90% of the variance after learning", digits: 1),
        PredictionObservable("participation-before", "dimensionality", "participation ratio before learning"),
        PredictionObservable("participation-after", "dimensionality", "participation ratio after learning"),
        PredictionObservable("syn-hebbian", "synaptic change", "Hebbian component of weight changes (post × pre; negative: anti-Hebbian), standardised coefficient", digits: 3),
        PredictionObservable("syn-pre", "synaptic change", "presynaptic-rate component of weight changes, standardised coefficient", digits: 3),
        PredictionObservable("syn-post", "synaptic change", "postsynaptic-rate component of weight changes, standardised coefficient", digits: 3),
        PredictionObservable("syn-differential-post", "synaptic change", "differential component (d post/dt × pre), standardised coefficient", digits: 3),
        PredictionObservable("syn-differential-pre", "synaptic change", "differential component (post × d pre/dt), standardised coefficient", digits: 3),
        PredictionObservable("syn-r2", "synaptic change", "share of weight-change variance the activity terms explain (R²)", digits: 3),
        PredictionObservable("dw-mean", "weight-change statistics", "mean weight change per evaluation interval (units of RMS weight)", digits: 4),
        PredictionObservable("dw-variance", "weight-change statistics", "variance of weight changes (units of RMS weight squared)", digits: 5),
        PredictionObservable("dw-kurtosis", "weight-change statistics", "excess kurtosis of weight changes (0 = Gaussian; large = few synapses change a lot)", digits: 1),
        PredictionObservable("dw-median", "weight-change statistics", "median weight change (units of RMS weight)", digits: 5),
    ]

    /// The experiments in catalogue order.
    public static var groups: [String] {
        var seen: [String] = []
        for o in observables where !seen.contains(o.group) { seen.append(o.group) }
        return seen
    }

    /// Accuracy of a robustness curve at `level` (linear between stored levels; NaN outside them).
    public static func accuracy(_ curve: RobustnessCurve, at level: Double) -> Double {
        let points = zip(curve.levels, curve.accuracy).sorted { $0.0 < $1.0 }
        for k in points.indices {
            if points[k].0 == level { return points[k].1 }
            if k > 0, points[k - 1].0 < level, level < points[k].0 {
                let w = (level - points[k - 1].0) / (points[k].0 - points[k - 1].0)
                return points[k - 1].1 + w * (points[k].1 - points[k - 1].1)
            }
        }
        return .nan
    }

    /// Every observable of one run that it has (a run without `[predictions]` has only the learning and robustness ones).
    public static func values(record: RunRecord, measures: [String: Double]) -> [String: Double] {
        let m = record.metrics
        var v: [String: Double] = [
            "trials-to-criterion": Double(m.trialsToCriterionOrBudget),
            "plateau": Double(m.plateauLength),
            "escape-abruptness": m.abruptness,
            "final-accuracy": 100 * m.finalAccuracy,
        ]
        for curve in record.robustness {
            v["area:" + curve.kind] = curve.area
            if curve.kind.hasPrefix("ablation-") {
                let name = "silencing-" + curve.kind.dropFirst("ablation-".count) + "-20"
                v[name] = 100 * (accuracy(curve, at: 0) - accuracy(curve, at: silencedFraction))
            }
            // dt = 0 (the adaptive solver) is the finest step when the curve has it.
            if curve.kind == "integration", let finest = curve.levels.min() { v["integration-cost"] = 100 * (accuracy(curve, at: 1) - accuracy(curve, at: finest)) }
        }
        v.merge(measures) { _, measured in measured }
        return v.filter { $0.value.isFinite }
    }
}
