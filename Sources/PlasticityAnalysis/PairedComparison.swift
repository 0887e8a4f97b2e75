/// A rule against a baseline on the same seeds (paired, since every rule sees the same data for a
/// seed): the median of the per-seed differences (rule − baseline), its order-statistic interval
/// (`SeedSummary`: 95% when the number of pairs allows, its exact coverage stated), and the
/// two-sided sign-flip permutation test of the mean difference.
public struct PairedComparison: Codable, Equatable, Sendable {
    public var rule: String
    public var baseline: String
    public var measure: String
    /// Seeds both rules have a finite value for.
    public var pairs: Int
    public var difference: SeedSummary
    public var pValue: Double

    /// `rule` and `baseline` map seed → value.
    public init(rule: String, baseline: String, measure: String, ruleValues: [UInt64: Double], baselineValues: [UInt64: Double], rng: RandomSource) {
        self.rule = rule
        self.baseline = baseline
        self.measure = measure
        let seeds = ruleValues.keys.filter { baselineValues[$0] != nil }.sorted()
        let d = seeds.map { ruleValues[$0]! - baselineValues[$0]! }.filter(\.isFinite)
        pairs = d.count
        difference = SeedSummary(d)
        pValue = Statistics.pairedPermutationTest(d, rng: rng.child("permutation"))
    }
}
