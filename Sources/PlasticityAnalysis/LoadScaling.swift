import Foundation

/// How a learning-curve measure scales with memory load (n-parity's N, a flip-flop's T): the
/// least-squares slope of the measure, or of its natural logarithm, against the load, pooled over
/// seeds, with a percentile bootstrap interval over seeds (a seed's runs at every load are drawn
/// together, so the interval reflects seed-to-seed variation of the whole curve), and each seed's
/// own slope (what effect sizes between rules compare: two rules' seeds are different networks).
///
/// Censoring: a run that never reached the criterion or never escaped its plateau enters at its
/// bound (the budget, the plateau up to the end of the run). Loads are where censoring grows, so the
/// fitted slope is then a lower bound of the true one; `censored` counts such runs per load so a
/// report can say so.
public struct LoadScaling: Codable, Equatable, Sendable {
    /// One run: its seed, the load it was trained at, its measure and whether the measure is a bound.
    public struct Point: Codable, Equatable, Sendable {
        public var seed: UInt64
        public var load: Double
        public var value: Double
        public var censored: Bool

        public init(seed: UInt64, load: Double, value: Double, censored: Bool = false) {
            self.seed = seed
            self.load = load
            self.value = value
            self.censored = censored
        }
    }

    /// Fitted on log(value) (the slope is the log of the factor per unit of load) or on the value.
    public var logarithmic: Bool
    /// Pooled least-squares slope over every run (NaN with fewer than two distinct loads).
    public var slope: Double
    /// Percentile bootstrap interval (95%) of the pooled slope, resampling seeds.
    public var low: Double
    public var high: Double
    /// Each seed's own slope (seeds with finite values at two or more loads), in seed order.
    public var perSeed: [Double]
    /// The loads, ascending; runs used and runs censored at each.
    public var loads: [Double]
    public var runs: [Int]
    public var censored: [Int]

    /// - Parameters:
    ///   - floor: in a logarithmic fit, values below it count as `floor` (a plateau of 0 trials is
    ///     "shorter than the evaluation interval", not log 0).
    ///   - draws: bootstrap resamples of the seeds.
    public init(_ points: [Point], logarithmic: Bool, floor: Double = 1, draws: Int = 2_000, rng: RandomSource) {
        self.logarithmic = logarithmic
        let used = points.filter { $0.value.isFinite && $0.load.isFinite }
        func y(_ p: Point) -> Double { logarithmic ? log(max(p.value, floor)) : p.value }
        loads = Array(Set(used.map(\.load))).sorted()
        runs = loads.map { l in used.filter { $0.load == l }.count }
        censored = loads.map { l in used.filter { $0.load == l && $0.censored }.count }
        slope = LoadScaling.slope(used.map(\.load), used.map(y))
        let seeds = Array(Set(used.map(\.seed))).sorted()
        let bySeed = seeds.map { s in used.filter { $0.seed == s } }
        perSeed = bySeed.map { LoadScaling.slope($0.map(\.load), $0.map(y)) }.filter(\.isFinite)
        var resampled: [Double] = []
        if seeds.count >= 2 && slope.isFinite {
            for _ in 0..<draws {
                let drawn = rng.resample(seeds.count, count: seeds.count).flatMap { bySeed[$0] }
                let s = LoadScaling.slope(drawn.map(\.load), drawn.map(y))
                if s.isFinite { resampled.append(s) }
            }
        }
        low = resampled.isEmpty ? .nan : Statistics.quantile(resampled, 0.025)
        high = resampled.isEmpty ? .nan : Statistics.quantile(resampled, 0.975)
    }

    /// Ordinary least-squares slope of y on x; NaN with fewer than two distinct x.
    public static func slope(_ x: [Double], _ y: [Double]) -> Double {
        guard x.count == y.count, x.count >= 2 else { return .nan }
        let mx = Statistics.mean(x), my = Statistics.mean(y)
        var sxy = 0.0, sxx = 0.0
        for (a, b) in zip(x, y) {
            sxy += (a - mx) * (b - my)
            sxx += (a - mx) * (a - mx)
        }
        return sxx > 0 ? sxy / sxx : .nan
    }

    /// What one more unit of load does: the factor (exp of the slope) for a logarithmic fit, the
    /// added amount otherwise.
    public static func effect(_ slope: Double, logarithmic: Bool) -> Double { logarithmic ? exp(slope) : slope }

    /// Censored runs at the largest load outnumber those at the smallest: the slope is a lower bound.
    public var lowerBound: Bool { (censored.last ?? 0) > (censored.first ?? 0) }
}
