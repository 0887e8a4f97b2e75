import Foundation

/// How far apart two rules put one observable, across seeds (independent samples: two rules'
/// seeds are different networks): Cohen's d, Cliff's delta (rank-based, robust to outliers and
/// scale) and a two-sided permutation p-value of the difference in means.
public struct EffectSize: Codable, Equatable, Sendable {
    /// Finite values of each side.
    public var countA: Int
    public var countB: Int
    /// (mean A − mean B) / pooled standard deviation (n − 1 denominators); ±inf when both are constant and differ.
    public var cohensD: Double
    /// P(A > B) − P(A < B) over all pairs, in [−1, 1].
    public var cliffsDelta: Double
    public var pValue: Double
    /// The p-value enumerates every split (false: Monte Carlo with `permutations` draws).
    public var exact: Bool

    /// Non-finite values are left out; NaN everywhere when a side has none.
    public init(_ a: [Double], _ b: [Double], permutations: Int = 10_000, exactLimit: Int = 200_000, rng: RandomSource) {
        let x = a.filter(\.isFinite), y = b.filter(\.isFinite)
        countA = x.count
        countB = y.count
        cohensD = EffectSize.cohensD(x, y)
        cliffsDelta = EffectSize.cliffsDelta(x, y)
        (pValue, exact) = EffectSize.permutationTest(x, y, permutations: permutations, exactLimit: exactLimit, rng: rng)
    }

    public static func cohensD(_ a: [Double], _ b: [Double]) -> Double {
        guard a.count > 0, b.count > 0, a.count + b.count > 2 else { return .nan }
        let ma = Statistics.mean(a), mb = Statistics.mean(b)
        let ss = a.reduce(0) { $0 + ($1 - ma) * ($1 - ma) } + b.reduce(0) { $0 + ($1 - mb) * ($1 - mb) }
        let pooled = (ss / Double(a.count + b.count - 2)).squareRoot()
        if pooled == 0 { return ma == mb ? 0 : (ma > mb ? .infinity : -.infinity) }
        return (ma - mb) / pooled
    }

    public static func cliffsDelta(_ a: [Double], _ b: [Double]) -> Double {
        guard !a.isEmpty, !b.isEmpty else { return .nan }
        var more = 0, less = 0
        for u in a {
            for v in b {
                if u > v { more += 1 } else if u < v { less += 1 }
            }
        }
        return Double(more - less) / Double(a.count * b.count)
    }

    /// Two-sided permutation test of |mean A − mean B| under exchangeable labels: exact (every way of
    /// choosing which values are A) when there are at most `exactLimit` ways, else Monte Carlo
    /// with (extreme + 1)/(draws + 1), never 0.
    public static func permutationTest(_ a: [Double], _ b: [Double], permutations: Int = 10_000, exactLimit: Int = 200_000, rng: RandomSource) -> (p: Double, exact: Bool) {
        let na = a.count, nb = b.count
        guard na > 0, nb > 0 else { return (.nan, true) }
        let pooled = a + b, n = na + nb
        let total = pooled.reduce(0, +)
        func difference(_ sumA: Double) -> Double { abs(sumA / Double(na) - (total - sumA) / Double(nb)) }
        let observed = difference(a.reduce(0, +))
        let tolerance = 1e-12 * max(1, observed)
        if let splits = binomial(n, na), splits <= exactLimit {
            var extreme = 0, count = 0
            // Every na-subset of indices, in lexicographic order.
            var chosen = Array(0..<na)
            while true {
                var sum = 0.0
                for i in chosen { sum += pooled[i] }
                if difference(sum) >= observed - tolerance { extreme += 1 }
                count += 1
                var i = na - 1
                while i >= 0 && chosen[i] == n - na + i { i -= 1 }
                if i < 0 { break }
                chosen[i] += 1
                for j in (i + 1)..<na { chosen[j] = chosen[j - 1] + 1 }
            }
            return (Double(extreme) / Double(count), true)
        }
        var extreme = 0
        for _ in 0..<permutations {
            let order = rng.permutation(n)
            var sum = 0.0
            for k in 0..<na { sum += pooled[order[k]] }
            if difference(sum) >= observed - tolerance { extreme += 1 }
        }
        return (Double(extreme + 1) / Double(permutations + 1), false)
    }

    /// C(n, k), or nil when it passes 2^52.
    public static func binomial(_ n: Int, _ k: Int) -> Int? {
        let k = min(k, n - k)
        guard k >= 0 else { return 0 }
        var result = 1.0
        for i in 0..<k {
            result = result * Double(n - i) / Double(i + 1)
            if result > 4.5e15 { return nil }
        }
        return Int(result.rounded())
    }
}
