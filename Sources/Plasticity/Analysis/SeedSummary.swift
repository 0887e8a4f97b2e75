/// A measure across seeds: its median and a percentile-bootstrap 95% CI of the median.
/// Non-finite values (e.g. the AUC of a diverged run) are left out and counted.
public struct SeedSummary: Codable, Equatable, Sendable {
    public var count: Int
    public var missing: Int
    public var median: Double
    public var low: Double
    public var high: Double

    /// `rng` should be a stream named after what is summarised, so reports are reproducible.
    public init(_ values: [Double], rng: RandomSource, resamples: Int = 2000) {
        let finite = values.filter(\.isFinite)
        count = finite.count
        missing = values.count - finite.count
        median = Statistics.median(finite)
        (low, high) = Statistics.bootstrapCI(finite, resamples: resamples, rng: rng)
    }

    /// "1536 [1024, 2048]" with `digits` decimals (nan as "–").
    public func text(digits: Int = 0) -> String {
        func f(_ x: Double) -> String { x.isFinite ? String(format: "%.\(digits)f", x) : "–" }
        return count > 1 ? "\(f(median)) [\(f(low)), \(f(high))]" : f(median)
    }
}
