/// How the single and double fits are chosen between (docs/timescales.md, "Choosing one or two exponentials").
public enum DecaySelection: String, Codable, Sendable, CaseIterable {
    /// The ICLR 2024 code's rule: the lower AIC wins.
    case aic
    /// The lower AIC, but the double only when it is a real second process: both components carry at
    /// least `minimumWeight` of the amplitude, the slower tau is off its bound and at least
    /// `minimumRatio` times the faster. AIC counts lags as independent while an estimated
    /// autocorrelation's errors are correlated across lags, so plain AIC often buys a small slow tail
    /// that fits the estimate's own noise (an AR(1) process gets tau 17 for 9.5).
    case guarded

    public static let minimumWeight = 0.1
    public static let minimumRatio = 1.5
    /// A tau above this fraction of its bound counts as on the bound.
    public static let boundFraction = 0.95
}
