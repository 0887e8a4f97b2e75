/// A measure across seeds: its median and the distribution-free order-statistic interval of the
/// median (`Statistics.medianInterval`, 95% when n allows, else [min, max] with its exact coverage).
/// Non-finite values (e.g. the AUC of a diverged run) are left out and counted.
public struct SeedSummary: Codable, Equatable, Sendable {
    public var count: Int
    public var missing: Int
    public var median: Double
    public var low: Double
    public var high: Double
    /// The interval's exact coverage of the median (e.g. 0.9375 at n = 5, 0.979 at n = 10).
    public var coverage: Double

    public init(_ values: [Double]) {
        let finite = values.filter(\.isFinite)
        count = finite.count
        missing = values.count - finite.count
        median = Statistics.median(finite)
        (low, high, coverage) = Statistics.medianInterval(finite)
    }

    /// The coverage as a percentage ("93.75%", "98%").
    public var coverageText: String { SeedSummary.percent(coverage) }

    /// 0.9375 as "93.75%", 0.95 as "95%".
    public static func percent(_ coverage: Double) -> String {
        guard coverage.isFinite else { return "–" }
        let percent = coverage * 100
        return (abs(percent - percent.rounded()) < 0.005 ? String(format: "%.0f", percent) : String(format: "%.2f", percent)) + "%"
    }

    /// "1536 [1024, 2048] (n 5, 93.75%)" with `digits` decimals (nan as "–"): the median, its
    /// order-statistic interval, the number of values and the interval's exact coverage.
    public func text(digits: Int = 0) -> String {
        func f(_ x: Double) -> String { x.isFinite ? String(format: "%.\(digits)f", x) : "–" }
        return count > 1 ? "\(f(median)) [\(f(low)), \(f(high))] (n \(count), \(coverageText))" : f(median)
    }
}
