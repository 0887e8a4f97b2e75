import XCTest
@testable import Plasticity

/// The Hodges–Lehmann shift and its Moses interval (the curriculum contrast's Δ).
final class ShiftEstimateTests: XCTestCase {
    /// The Mann–Whitney null distribution against direct enumeration of every ordering.
    func testMannWhitneyCountsMatchEnumeration() {
        for (m, n) in [(1, 1), (2, 3), (3, 2), (4, 4), (5, 3)] {
            var counts = [Double](repeating: 0, count: m * n + 1)
            // Every choice of which m of the m + n ranks are a's.
            for mask in 0..<(1 << (m + n)) where mask.nonzeroBitCount == m {
                var u = 0, bsBelow = 0
                for rank in 0..<(m + n) {
                    if mask & (1 << rank) != 0 { u += bsBelow } else { bsBelow += 1 }
                }
                counts[u] += 1
            }
            XCTAssertEqual(ShiftEstimate.mannWhitneyCounts(m: m, n: n), counts, "\(m) against \(n)")
        }
        XCTAssertEqual(ShiftEstimate.mannWhitneyCounts(m: 10, n: 10).reduce(0, +), 184_756)
    }

    /// The ranks follow the published two-sided 5% critical values of U (k = critical + 1):
    /// 2 for 5 against 5, 23 for 10 against 10, 8 for 8 against 6; coverage at least 95%.
    func testRanksFollowTheCriticalValuesOfU() {
        for (m, n, critical) in [(5, 5, 2), (10, 10, 23), (8, 6, 8)] {
            let (k, coverage) = ShiftEstimate.rank(m: m, n: n, level: 0.95)
            XCTAssertEqual(k, critical + 1, "\(m) against \(n)")
            XCTAssertGreaterThanOrEqual(coverage, 0.95)
            XCTAssertLessThan(coverage, 0.98)
        }
        XCTAssertEqual(ShiftEstimate.rank(m: 5, n: 5, level: 0.95).coverage, 1 - 8.0 / 252, accuracy: 1e-12)
        // Too few seeds for 95%: every difference, and the coverage says what it is.
        let small = ShiftEstimate.rank(m: 2, n: 2, level: 0.95)
        XCTAssertEqual(small.k, 1)
        XCTAssertEqual(small.coverage, 1 - 2.0 / 6, accuracy: 1e-12)
    }

    func testAKnownShiftIsTheEstimateAndInsideTheInterval() {
        let b = [0.61, 0.55, 0.70, 0.58, 0.64, 0.66, 0.52, 0.69]
        let a = b.map { $0 + 0.1 }
        let s = ShiftEstimate(a, b)
        XCTAssertEqual(s.estimate, 0.1, accuracy: 1e-12)
        XCTAssertLessThanOrEqual(s.low, 0.1)
        XCTAssertGreaterThanOrEqual(s.high, 0.1)
        let reversed = ShiftEstimate(b, a)
        XCTAssertEqual(reversed.estimate, -s.estimate, accuracy: 1e-12)
        XCTAssertEqual(reversed.low, -s.high, accuracy: 1e-12)
        XCTAssertTrue(ShiftEstimate([.nan], b).estimate.isNaN)
    }

    /// Over 2,000 pairs of samples (5 against 5, normal, true shift 0.3) the interval holds the
    /// shift about as often as its exact coverage says (96.8%; 3 standard errors of slack).
    func testCoverageOnSimulatedSeedsMatchesTheExactCoverage() {
        let rng = RandomSource(seed: 11, stream: "shift-coverage")
        let repeats = 2_000
        var covered = 0
        for _ in 0..<repeats {
            let a = (0..<5).map { _ in 0.3 + rng.gaussian() }, b = (0..<5).map { _ in rng.gaussian() }
            let s = ShiftEstimate(a, b)
            if s.low <= 0.3 && 0.3 <= s.high { covered += 1 }
        }
        let expected = 1 - 8.0 / 252, se = (expected * (1 - expected) / Double(repeats)).squareRoot()
        XCTAssertEqual(Double(covered) / Double(repeats), expected, accuracy: 3 * se)
    }
}
