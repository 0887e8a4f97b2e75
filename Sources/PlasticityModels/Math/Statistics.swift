import Foundation

/// Summary statistics across seeds: median, its distribution-free order-statistic interval (with
/// its exact coverage), paired permutation tests. Monte Carlo draws come from a `RandomSource`
/// (GSL), so reports are reproducible.
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

    /// A distribution-free interval for the median of a continuous distribution from n independent
    /// values: the order statistics [x_(k), x_(n+1-k)] with the largest k whose coverage
    /// 1 - 2 P(Bin(n, 1/2) <= k - 1) is at least `level`. When even k = 1 ([min, max]) falls short
    /// (n <= 5 at 95%), it is [min, max] with its exact coverage 1 - 2^(1-n) (75% at n = 3, 93.75%
    /// at n = 5): the coverage is always stated, never assumed. n = 1 gives the value with coverage
    /// 0; n = 0 gives NaN. With ties the coverage is at least the stated one.
    public static func medianInterval(_ x: [Double], level: Double = 0.95) -> (low: Double, high: Double, coverage: Double) {
        let n = x.count
        guard n > 0 else { return (.nan, .nan, .nan) }
        let s = x.sorted()
        let (k, coverage) = medianIntervalRank(n: n, level: level)
        return (s[k - 1], s[n - k], coverage)
    }

    /// The rank k of `medianInterval` for n values and its coverage (k = 1 and coverage 0 for n = 1).
    public static func medianIntervalRank(n: Int, level: Double = 0.95) -> (k: Int, coverage: Double) {
        guard n > 1 else { return (1, 0) }
        var best = 1, coverage = medianIntervalCoverage(n: n, k: 1)
        var k = 2
        while k <= n / 2 {
            let c = medianIntervalCoverage(n: n, k: k)
            if c < level { break }
            best = k
            coverage = c
            k += 1
        }
        return (best, coverage)
    }

    /// Coverage of [x_(k), x_(n+1-k)] for the median: 1 - 2 P(Bin(n, 1/2) <= k - 1).
    public static func medianIntervalCoverage(n: Int, k: Int) -> Double {
        var tail = 0.0
        var logChoose = 0.0  // log C(n, j), built up from j = 0
        for j in 0..<k {
            if j > 0 { logChoose += log(Double(n - j + 1)) - log(Double(j)) }
            tail += exp(logChoose - Double(n) * log(2.0))
        }
        return max(0, 1 - 2 * tail)
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
