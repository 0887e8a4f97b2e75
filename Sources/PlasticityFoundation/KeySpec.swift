/// One key of a protocol or rule file, declared once with its type, range or choices, default and
/// meaning: the parser reads the key through this declaration (the name and the range it checks
/// come from here), and the reference tables of docs/protocols.md and docs/rules.md are rendered
/// from the same declaration (`make doc-tables`), so the two cannot disagree.
public struct KeySpec: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case string
        case bool
        case integer(ClosedRange<Int>)
        case number(ClosedRange<Double>)
        /// An array of numbers, each in the range.
        case numbers(ClosedRange<Double>)
        /// One of these names.
        case choice([String])
        /// An array of strings (a single string is a one-element list); of these names when not empty.
        case strings([String])
        /// Read by its own code (a table, an array of tables, a count-or-list); `type` and `range`
        /// are the documentation's words for what that code accepts.
        case custom(type: String, range: String)
    }

    public let name: String
    public let value: Value
    /// The default as the docs state it ("" for none).
    public let defaultText: String
    public let meaning: String

    public init(_ name: String, _ value: Value, default defaultText: String, _ meaning: String) {
        self.name = name
        self.value = value
        self.defaultText = defaultText
        self.meaning = meaning
    }

    /// A choice among an enumeration's raw values.
    public static func choice<E: RawRepresentable & CaseIterable>(_ name: String, _ type: E.Type, default fallback: E?, _ meaning: String) -> KeySpec
    where E.RawValue == String {
        KeySpec(name, .choice(E.allCases.map(\.rawValue)), default: fallback.map { "`\($0.rawValue)`" } ?? "", meaning)
    }

    public var integerRange: ClosedRange<Int> {
        guard case .integer(let range) = value else { preconditionFailure("\(name) is not declared an integer") }
        return range
    }

    public var numberRange: ClosedRange<Double> {
        switch value {
        case .number(let range), .numbers(let range): return range
        default: preconditionFailure("\(name) is not declared a number")
        }
    }

    /// The type column of the reference tables.
    public var typeText: String {
        switch value {
        case .string: return "string"
        case .bool: return "bool"
        case .integer: return "integer"
        case .number: return "number"
        case .numbers: return "array of numbers"
        case .choice: return "string"
        case .strings: return "array of strings (a single string is a one-element list)"
        case .custom(let type, _): return type
        }
    }

    /// The range or choices column: `1…4096`, `> 0`, `` `adam`, `sgd` ``.
    public var rangeText: String {
        switch value {
        case .string, .bool: return ""
        case .integer(let r): return KeySpec.boundsText(Double(r.lowerBound), Double(r.upperBound))
        case .number(let r): return KeySpec.boundsText(r.lowerBound, r.upperBound)
        case .numbers(let r): return "each " + KeySpec.boundsText(r.lowerBound, r.upperBound)
        case .choice(let names), .strings(let names): return names.map { "`\($0)`" }.joined(separator: ", ")
        case .custom(_, let range): return range
        }
    }

    /// Bounds as the docs write them: a lower bound of 1e-12 (or 1e-14) stands for "> 0", an upper
    /// bound of 1e12 or more for "no upper bound", ±1e12 for any finite number.
    public static func boundsText(_ low: Double, _ high: Double) -> String {
        let open = low > 0 && low <= 1e-12
        if low <= -1e12 && high >= 1e12 { return "any finite number" }
        if high >= 1e12 { return open ? "> 0" : "≥ \(formatNumber(low))" }
        if open { return "> 0, ≤ \(formatNumber(high))" }
        return "\(formatNumber(low))…\(formatNumber(high))"
    }
}

extension TOMLFields {
    // Reads through a declaration: the key's name and range come from it.

    package mutating func has(_ key: KeySpec) -> Bool { has(key.name) }

    package mutating func string(_ key: KeySpec, default fallback: String) throws -> String { try string(key.name, default: fallback) }

    package mutating func bool(_ key: KeySpec, default fallback: Bool) throws -> Bool { try bool(key.name, default: fallback) }

    package mutating func int(_ key: KeySpec, default fallback: Int) throws -> Int {
        try int(key.name, default: fallback, range: key.integerRange)
    }

    package mutating func double(_ key: KeySpec, default fallback: Double) throws -> Double {
        try double(key.name, default: fallback, range: key.numberRange)
    }

    package mutating func doubles(_ key: KeySpec, default fallback: [Double]) throws -> [Double] {
        try doubles(key.name, default: fallback, range: key.numberRange)
    }

    package mutating func strings(_ key: KeySpec, default fallback: [String]) throws -> [String] { try strings(key.name, default: fallback) }

    package mutating func choice<E: RawRepresentable & CaseIterable>(_ key: KeySpec, default fallback: E) throws -> E where E.RawValue == String {
        try choice(key.name, default: fallback)
    }

    package mutating func table(_ key: KeySpec) throws -> TOMLFields? { try table(key.name) }

    package mutating func tables(_ key: KeySpec) throws -> [TOMLFields] { try tables(key.name) }
}
