/// A named, documented, range-checked setting (task parameters, rule hyperparameters).
/// Numeric by default; a choice-valued setting (e.g. feedback = "symmetric" or "random") stores the
/// index of its choice as the value, so settings stay one `[String: Double]` everywhere.
public struct ParameterSpec: Sendable, Equatable {
    public let name: String
    public let defaultValue: Double
    public let range: ClosedRange<Double>
    public let isInteger: Bool
    public let doc: String
    /// Names of the choices; empty for a numeric setting.
    public let choices: [String]

    public init(_ name: String, default value: Double, range: ClosedRange<Double>, integer: Bool = false, doc: String) {
        self.name = name
        self.defaultValue = value
        self.range = range
        self.isInteger = integer
        self.doc = doc
        self.choices = []
    }

    /// A choice-valued setting; `value` must be one of `choices`.
    public init(_ name: String, choices: [String], default value: String, doc: String) {
        guard let index = choices.firstIndex(of: value) else { preconditionFailure("default '\(value)' is not a choice of \(name)") }
        self.name = name
        self.defaultValue = Double(index)
        self.range = 0...Double(choices.count - 1)
        self.isInteger = true
        self.doc = doc
        self.choices = choices
    }

    public var isChoice: Bool { !choices.isEmpty }

    public var rangeDescription: String {
        if isChoice { return choices.joined(separator: ", ") }
        return isInteger ? "\(Int(range.lowerBound))...\(Int(range.upperBound))" : "\(range.lowerBound)...\(range.upperBound)"
    }

    /// The value as text: the choice's name, or the number.
    public func text(_ value: Double) -> String {
        if isChoice, let i = Int(exactly: value), choices.indices.contains(i) { return choices[i] }
        return formatNumber(value)
    }

    /// The stored value of a user's text (a choice name or a number); nil if it is neither.
    public func value(parsing text: String) -> Double? {
        if isChoice { return choices.firstIndex(of: text).map(Double.init) }
        return Double(text)
    }

    /// The choice a stored value names (for rules reading their settings).
    public func choice(_ value: Double) -> String { text(value) }
}
