import Foundation

/// How much larger A is than B, for two independent samples (e.g. the seeds of two curricula): the
/// Hodges–Lehmann shift (the median of every difference a − b) with its distribution-free interval
/// (Moses; Hollander & Wolfe, "Nonparametric Statistical Methods", §4.3): the order statistics of
/// those differences cut where the exact Mann–Whitney distribution puts the test's two tails.
/// Assumes only that the two distributions differ by a shift; no normality.
public struct ShiftEstimate: Codable, Equatable, Sendable {
    public var estimate: Double
    public var low: Double
    public var high: Double
    /// The interval's exact coverage under the shift model (at least `level` when the samples allow it).
    public var coverage: Double

    /// NaN throughout when a side has no finite value. When the samples are too small for `level`
    /// (5 against 2 and smaller at 95%), the interval is every difference, with its lower coverage.
    public init(_ a: [Double], _ b: [Double], level: Double = 0.95) {
        let x = a.filter(\.isFinite), y = b.filter(\.isFinite)
        guard !x.isEmpty, !y.isEmpty else {
            (estimate, low, high, coverage) = (.nan, .nan, .nan, .nan)
            return
        }
        var differences: [Double] = []
        differences.reserveCapacity(x.count * y.count)
        for u in x { for v in y { differences.append(u - v) } }
        differences.sort()
        estimate = Statistics.median(differences)
        let (k, exactCoverage) = ShiftEstimate.rank(m: x.count, n: y.count, level: level)
        low = differences[k - 1]
        high = differences[differences.count - k]
        coverage = exactCoverage
    }

    /// The 1-based rank k of the interval [D_(k), D_(mn+1−k)] and its exact coverage
    /// 1 − 2 P(U ≤ k − 1): the largest k with P(U ≤ k − 1) ≤ (1 − level)/2 under the null, U the
    /// Mann–Whitney count #{a > b} (k = 1, every difference, when even that is too much).
    public static func rank(m: Int, n: Int, level: Double) -> (k: Int, coverage: Double) {
        let counts = mannWhitneyCounts(m: m, n: n)
        let total = counts.reduce(0, +), tail = (1 - level) / 2
        var k = 1, cumulative = counts[0]
        while k + 1 < counts.count, (cumulative + counts[k]) / total <= tail + 1e-12 {
            cumulative += counts[k]
            k += 1
        }
        return (k, 1 - 2 * cumulative / total)
    }

    /// How many of the C(m + n, m) orderings of m a's and n b's give each U = #{a > b}, u = 0...mn.
    /// The largest value is an a (beating all j b's) or a b (beating none):
    /// c(i, j, u) = c(i − 1, j, u − j) + c(i, j − 1, u). Doubles: exact while C(m + n, m) < 2^53.
    public static func mannWhitneyCounts(m: Int, n: Int) -> [Double] {
        precondition(m >= 1 && n >= 1)
        var previous = [[Double]](repeating: [1], count: n + 1)  // c(0, j, ·): one ordering, U = 0
        for i in 1...m {
            var current = [[Double]](repeating: [1], count: n + 1)  // c(i, 0, ·)
            for j in 1...n {
                var c = [Double](repeating: 0, count: i * j + 1)
                for (u, value) in previous[j].enumerated() { c[u + j] += value }
                for (u, value) in current[j - 1].enumerated() { c[u] += value }
                current[j] = c
            }
            previous = current
        }
        return previous[n]
    }
}
