import Foundation

/// How much memory a run may plan for: `--max-memory`, by default the physical memory available
/// now (MemAvailable of /proc/meminfo). Runs compare their estimate with it before allocating, so
/// a size that cannot fit is refused in one line instead of aborting in the allocator.
public enum MemoryLimit {
    /// MemAvailable of /proc/meminfo in bytes; nil where it cannot be read (then nothing is refused).
    public static func available(meminfo path: String = "/proc/meminfo") -> Int? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return parseMeminfo(text)
    }

    /// The MemAvailable line's value ("MemAvailable:  123456 kB") in bytes.
    static func parseMeminfo(_ text: String) -> Int? {
        for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let kB = Int(fields[1]) else { return nil }
            return kB * 1024
        }
        return nil
    }

    /// The limit in force: `given` (parsed `--max-memory`) or the available memory.
    public static func resolve(_ given: String?, key: String = "--max-memory") throws -> Int? {
        guard let given else { return available() }
        return try parse(given, key: key)
    }

    /// "512M", "8G", "1.5T", "100000" (bytes); K, M, G, T are powers of 1024, an optional trailing B is allowed.
    public static func parse(_ text: String, key: String = "--max-memory") throws -> Int {
        var body = text.trimmingCharacters(in: .whitespaces).uppercased()
        if body.hasSuffix("B") { body.removeLast() }
        var scale = 1.0
        if let last = body.last, let power = ["K": 1, "M": 2, "G": 3, "T": 4][String(last)] {
            scale = pow(1024, Double(power))
            body.removeLast()
        }
        guard let value = Double(body), value.isFinite, value > 0, value * scale < 9e18 else {
            throw InputError.invalid("invalid size '\(text)'; valid: a positive size such as 512M, 8G or 1.5T", key: key)
        }
        return Int(value * scale)
    }

    /// "86.0 TB", "512 MB": bytes in powers of 1024, for messages.
    public static func describe(_ bytes: Int) -> String {
        let units = ["B", "KB", "MB", "GB", "TB", "PB", "EB"]
        var value = Double(bytes), unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: value < 10 ? "%.1f %@" : "%.0f %@", value, units[unit])
    }
}
