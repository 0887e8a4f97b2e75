import XCTest
@testable import Plasticity

final class StatisticsTests: XCTestCase {
    /// The percentile bootstrap CI of the median covers the true median in roughly 95% of
    /// synthetic data sets (n = 25 from N(3, 1)); measured 0.93 here for 200 sets.
    func testBootstrapCICoverageOnSyntheticData() {
        let data = RandomSource(seed: 11, stream: "synthetic")
        let resampling = RandomSource(seed: 12, stream: "bootstrap")
        var covered = 0
        let sets = 200
        for _ in 0..<sets {
            let x = (0..<25).map { _ in 3 + data.gaussian() }
            let ci = Statistics.bootstrapCI(x, resamples: 500, rng: resampling)
            XCTAssertLessThanOrEqual(ci.low, ci.high)
            if ci.low <= 3 && 3 <= ci.high { covered += 1 }
        }
        let coverage = Double(covered) / Double(sets)
        XCTAssertGreaterThan(coverage, 0.86)
        XCTAssertLessThan(coverage, 0.995)
    }

    func testExactPermutationTestOnAKnownDifference() {
        let rng = RandomSource(seed: 1, stream: "permutation")
        // All five differences positive: only the all-plus and all-minus sign patterns reach |sum| = 15.
        XCTAssertEqual(Statistics.pairedPermutationTest([1, 2, 3, 4, 5], rng: rng), 2.0 / 32, accuracy: 1e-12)
        // Symmetric differences: every pattern is as extreme as the observed sum 0.
        XCTAssertEqual(Statistics.pairedPermutationTest([1, -1, 2, -2], rng: rng), 1, accuracy: 1e-12)
    }

    func testMonteCarloPermutationTestDetectsAShiftAndNotNoise() {
        let data = RandomSource(seed: 5, stream: "synthetic")
        let shifted = (0..<30).map { _ in 1 + 0.5 * data.gaussian() }
        XCTAssertLessThan(Statistics.pairedPermutationTest(shifted, permutations: 2000, rng: RandomSource(seed: 1, stream: "p")), 0.001)
        let null = (0..<30).map { _ in data.gaussian() }
        XCTAssertGreaterThan(Statistics.pairedPermutationTest(null, permutations: 2000, rng: RandomSource(seed: 1, stream: "p")), 0.05)
    }

    func testPairedComparisonUsesOnlySeedsBothRulesHave() {
        let c = PairedComparison(
            rule: "a", baseline: "b", measure: "ttc",
            ruleValues: [1: 10, 2: 20, 3: 30, 4: 40], baselineValues: [1: 5, 2: 5, 3: 5, 9: 5],
            rng: RandomSource(seed: 0, stream: "test"))
        XCTAssertEqual(c.pairs, 3)
        XCTAssertEqual(c.difference.median, 15)
        XCTAssertEqual(c.pValue, 2.0 / 8, accuracy: 1e-12)
    }

    func testSeedSummaryLeavesOutNonFiniteValues() {
        let s = SeedSummary([1, 2, .nan, 3], rng: RandomSource(seed: 0, stream: "test"))
        XCTAssertEqual(s.count, 3)
        XCTAssertEqual(s.missing, 1)
        XCTAssertEqual(s.median, 2)
        XCTAssertGreaterThanOrEqual(s.low, 1)
        XCTAssertLessThanOrEqual(s.high, 3)
    }
}
