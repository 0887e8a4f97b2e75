import Foundation

/// The learning curve's scaling with memory load (docs/predictions.md): for a task and model
/// trained at several loads (n-parity at N = 2, 3, 4), per rule the slope of log plateau length,
/// log trials to criterion and escape abruptness against the load (`LoadScaling`: pooled
/// least squares, bootstrap interval over seeds), and per pair of rules the effect sizes of the
/// seeds' own slopes.
public struct LoadScalingPredictions: Sendable {
    /// A measure that is fitted against load: on a log scale (a factor per unit of load) or not.
    public struct Measure: Sendable {
        public var observable: String
        public var logarithmic: Bool
        /// "plateau length", for the plain-words sentence.
        public var noun: String
    }

    public static let measures = [
        Measure(observable: "plateau", logarithmic: true, noun: "the plateau"),
        Measure(observable: "trials-to-criterion", logarithmic: true, noun: "the trials to criterion"),
        Measure(observable: "escape-abruptness", logarithmic: false, noun: "the escape's abruptness"),
    ]

    /// "n-parity, leaky RNN": the setting without its load.
    public var family: String
    /// The task parameter that is the load ("N").
    public var parameter: String
    /// Rules trained at two or more loads, in protocol order.
    public var labels: [String]
    /// scalings[observable][label]
    public var scalings: [String: [String: LoadScaling]]
    /// Effect sizes between rules of the per-seed slopes (observable "<name>-per-<parameter>").
    public var pairs: [SettingPredictions.Pair]

    public init(family: String, parameter: String, labels order: [String], runs: [PredictionRun], permutations: Int = 2_000, seed: UInt64 = 1) {
        self.family = family
        self.parameter = parameter
        let rng = RandomSource(seed: seed, stream: "predictions/scaling/" + family)
        labels = order.filter { l in Set(runs.filter { $0.label == l }.compactMap(\.load)).count >= 2 }
        var scalings: [String: [String: LoadScaling]] = [:]
        for m in LoadScalingPredictions.measures {
            // A logarithmic fit needs a floor for zeros (a plateau shorter than one evaluation
            // interval is stored as 0): the smallest positive value of the measure here.
            let floor = runs.compactMap { $0.values[m.observable] }.filter { $0 > 0 }.min() ?? 1
            for l in labels {
                let points = runs.filter { $0.label == l }.compactMap { r -> LoadScaling.Point? in
                    guard let load = r.load, let v = r.values[m.observable] else { return nil }
                    return LoadScaling.Point(seed: r.seed, load: load, value: v, censored: r.censored.contains(m.observable))
                }
                let s = LoadScaling(points, logarithmic: m.logarithmic, floor: floor, rng: rng.child("\(m.observable)/\(l)"))
                if s.slope.isFinite { scalings[m.observable, default: [:]][l] = s }
            }
        }
        self.scalings = scalings
        var pairs: [SettingPredictions.Pair] = []
        for m in LoadScalingPredictions.measures {
            let here = labels.filter { scalings[m.observable]?[$0] != nil }
            for i in here.indices {
                for j in here.indices where j > i {
                    let a = scalings[m.observable]![here[i]]!, b = scalings[m.observable]![here[j]]!
                    let effect = EffectSize(a.perSeed, b.perSeed, permutations: permutations, exactLimit: 20_000,
                                            rng: rng.child("effect/\(m.observable)/\(here[i])/\(here[j])"))
                    pairs.append(SettingPredictions.Pair(observable: m.observable, a: here[i], b: here[j], effect: effect))
                }
            }
        }
        self.pairs = pairs
    }

    /// The name of a slope observable in predictions.csv: "plateau-per-N".
    public func name(_ observable: String) -> String { "\(observable)-per-\(parameter)" }

    /// The pair of rules whose per-seed slopes differ most (largest |Cliff's delta|, then |d|).
    /// Rules in `excluding` (e.g. ones that learned at no load) are left out.
    public func bestPair(_ observable: String, excluding: [String] = []) -> SettingPredictions.Pair? {
        pairs.filter { $0.observable == observable && $0.effect.cliffsDelta.isFinite && !excluding.contains($0.a) && !excluding.contains($0.b) }.max { x, y in
            (abs(x.effect.cliffsDelta), abs(x.effect.cohensD.isFinite ? x.effect.cohensD : 0)) < (abs(y.effect.cliffsDelta), abs(y.effect.cohensD.isFinite ? y.effect.cohensD : 0))
        }
    }

    /// Every family of a protocol's runs that was trained at two or more loads.
    public static func all(runs: [PredictionRun], labels: [String], permutations: Int = 2_000, seed: UInt64 = 1) -> [LoadScalingPredictions] {
        var families: [String] = []
        for r in runs where r.load != nil && !families.contains(r.family) { families.append(r.family) }
        return families.compactMap { f in
            let here = runs.filter { $0.family == f }
            guard let parameter = here.compactMap(\.loadName).first else { return nil }
            let s = LoadScalingPredictions(family: f, parameter: parameter, labels: labels, runs: here, permutations: permutations, seed: seed)
            return s.labels.isEmpty ? nil : s
        }
    }
}
