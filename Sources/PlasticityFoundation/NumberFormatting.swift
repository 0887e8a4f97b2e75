/// Shortest faithful text for a Double: 3 rather than 3.0, 0.05 rather than 0.050000000000000003.
public func formatNumber(_ x: Double) -> String {
    if x.isFinite, x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
    return "\(x)"
}
