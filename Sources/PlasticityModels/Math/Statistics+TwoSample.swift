extension Statistics {
    /// Two-sided permutation test for two independent samples (different conditions, no pairing):
    /// H0: both come from one distribution. The statistic is |mean(a) − mean(b)|; exact over every
    /// split of the pooled values when there are at most `exactLimit` of them, else Monte Carlo.
    /// The smallest possible exact p for 5 against 5 is 2/252 ≈ 0.0079.
    public static func twoSamplePermutationTest(
        _ a: [Double], _ b: [Double], exactLimit: Int = 50_000, permutations: Int = 10_000, rng: RandomSource
    ) -> Double {
        guard !a.isEmpty, !b.isEmpty else { return .nan }
        let pooled = a + b, n = pooled.count, k = a.count
        let total = pooled.reduce(0, +)
        func statistic(_ sumA: Double) -> Double { abs(sumA / Double(k) - (total - sumA) / Double(n - k)) }
        let observed = statistic(a.reduce(0, +))
        let tolerance = 1e-12 * max(1, observed)
        var splits = 1.0
        for j in 0..<k { splits = splits * Double(n - j) / Double(j + 1) }
        var extreme = 0, count = 0
        if splits <= Double(exactLimit) {
            // Every k-subset of the pooled indices, in lexicographic order.
            var index = Array(0..<k)
            while true {
                var sum = 0.0
                for i in index { sum += pooled[i] }
                if statistic(sum) >= observed - tolerance { extreme += 1 }
                count += 1
                var i = k - 1
                while i >= 0 && index[i] == n - k + i { i -= 1 }
                if i < 0 { break }
                index[i] += 1
                for j in (i + 1)..<k { index[j] = index[j - 1] + 1 }
            }
            return Double(extreme) / Double(count)
        }
        for _ in 0..<permutations {
            let order = rng.permutation(n)
            var sum = 0.0
            for i in 0..<k { sum += pooled[order[i]] }
            if statistic(sum) >= observed - tolerance { extreme += 1 }
            count += 1
        }
        return Double(extreme + 1) / Double(count + 1)
    }
}
