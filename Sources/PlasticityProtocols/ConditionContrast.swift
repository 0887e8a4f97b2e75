/// A planned comparison between two conditions of a protocol on the same seeds, e.g. TCR on vs
/// off at one gain: `[[contrasts]] label = "TCR at g=2.5", treatment = "g=2.5 tcr", baseline = "g=2.5"`.
public struct ConditionContrast: Codable, Equatable, Sendable {
    public var label: String
    public var treatment: String
    public var baseline: String

    public init(label: String, treatment: String, baseline: String) {
        self.label = label
        self.treatment = treatment
        self.baseline = baseline
    }
}
