/// Parses "i/n" (0 <= i < n): which shard of a protocol's cells to run.
public enum CellShard {
    public static func parse(_ text: String) throws -> (index: Int, count: Int) {
        let parts = text.split(separator: "/").map { Int($0) }
        guard parts.count == 2, let i = parts[0], let n = parts[1], n >= 1, i >= 0, i < n else {
            throw InputError.invalid("'\(text)' is not a shard; valid: i/n with 0 <= i < n, e.g. 0/4", key: "--cells")
        }
        return (i, n)
    }
}
