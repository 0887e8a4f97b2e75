import Foundation

/// Summary statistics across seeds: median, bootstrap confidence intervals, paired permutation tests.
/// Resampling draws come from a `RandomSource` (GSL), so reports are reproducible.
public enum Statistics {
    public static func mean(_ x: [Double]) -> Double { x.isEmpty ? .nan : x.reduce(0, +) / Double(x.count) }

    public static func median(_ x: [Double]) -> Double {
        quantile(x, 0.5)
    }

    /// Linear-interpolation quantile (type 7, as R and numpy's default).
    public static func quantile(_ x: [Double], _ q: Double) -> Double {
        guard !x.isEmpty else { return .nan }
        let s = x.sorted()
        let h = Double(s.count - 1) * q
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, s.count - 1)
        return s[lo] + (h - Double(lo)) * (s[hi] - s[lo])
    }

    /// Percentile bootstrap CI of `statistic` (default: median) at `level` (e.g. 0.95).
    public static func bootstrapCI(
        _ x: [Double], level: Double = 0.95, resamples: Int = 2000, rng: RandomSource,
        statistic: ([Double]) -> Double = Statistics.median
    ) -> (low: Double, high: Double) {
        guard x.count > 1 else { return (x.first ?? .nan, x.first ?? .nan) }
        var stats = [Double]()
        stats.reserveCapacity(resamples)
        var sample = [Double](repeating: 0, count: x.count)
        for _ in 0..<resamples {
            for (i, j) in rng.resample(x.count, count: x.count).enumerated() { sample[i] = x[j] }
            stats.append(statistic(sample))
        }
        let alpha = (1 - level) / 2
        return (quantile(stats, alpha), quantile(stats, 1 - alpha))
    }

    /// Two-sided sign-flip permutation test for paired differences d_i = a_i - b_i (same seeds):
    /// H0: the distribution of d is symmetric about 0. Exact for n <= 16, else Monte Carlo.
    /// Returns the p-value of |mean(d)|.
    public static func pairedPermutationTest(_ d: [Double], permutations: Int = 10_000, rng: RandomSource) -> Double {
        let n = d.count
        guard n > 0 else { return .nan }
        let observed = abs(d.reduce(0, +))
        let tolerance = 1e-12 * max(1, observed)
        var extreme = 0, total = 0
        if n <= 16 {
            for signs in 0..<(1 << n) {
                var s = 0.0
                for i in 0..<n { s += (signs >> i) & 1 == 1 ? -d[i] : d[i] }
                if abs(s) >= observed - tolerance { extreme += 1 }
                total += 1
            }
            return Double(extreme) / Double(total)
        }
        for _ in 0..<permutations {
            var s = 0.0
            for i in 0..<n { s += rng.bernoulli(0.5) ? -d[i] : d[i] }
            if abs(s) >= observed - tolerance { extreme += 1 }
            total += 1
        }
        return Double(extreme + 1) / Double(total + 1)  // never 0 for a Monte Carlo estimate
    }
}
