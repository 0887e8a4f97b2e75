/// Named views into a model's single flat parameter buffer. Optimisers, rules and exports work
/// on the flat buffer; code that needs a group (W, tau, ...) asks the layout where it lives.
public struct ParameterGroup: Equatable, Sendable, Codable {
    public let name: String
    public let rows: Int
    public let cols: Int
    public let offset: Int
    public var count: Int { rows * cols }
    public var range: Range<Int> { offset..<(offset + count) }
    /// A vector group (b, c, tau) is exported as a flat array rather than nested rows.
    public let isVector: Bool
}

public struct ParameterLayout: Equatable, Sendable, Codable {
    public private(set) var groups: [ParameterGroup] = []
    public private(set) var count = 0

    public init() {}

    public mutating func addMatrix(_ name: String, rows: Int, cols: Int) {
        precondition(self[optional: name] == nil, "duplicate parameter group \(name)")
        groups.append(ParameterGroup(name: name, rows: rows, cols: cols, offset: count, isVector: false))
        count += rows * cols
    }

    public mutating func addVector(_ name: String, count n: Int) {
        precondition(self[optional: name] == nil, "duplicate parameter group \(name)")
        groups.append(ParameterGroup(name: name, rows: 1, cols: n, offset: count, isVector: true))
        count += n
    }

    public subscript(optional name: String) -> ParameterGroup? { groups.first { $0.name == name } }

    public subscript(name: String) -> ParameterGroup {
        guard let g = self[optional: name] else { preconditionFailure("no parameter group \(name)") }
        return g
    }

    public var names: [String] { groups.map(\.name) }

    /// The group as nested arrays ([rows][cols], or [cols] for a vector), e.g. for JSON export.
    public func export(_ group: ParameterGroup, from values: [Double]) -> Any {
        let slice = Array(values[group.range])
        if group.isVector { return slice }
        return (0..<group.rows).map { r in Array(slice[(r * group.cols)..<((r + 1) * group.cols)]) }
    }
}
