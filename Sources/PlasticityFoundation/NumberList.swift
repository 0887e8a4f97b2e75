import Foundation

/// Parses "0,0.1,0.5" (an empty string is an empty list) for CLI options.
public enum NumberList {
    public static func parse(_ text: String, option: String) throws -> [Double] {
        try text.split(separator: ",").map { item in
            let trimmed = item.trimmingCharacters(in: .whitespaces)
            guard let v = Double(trimmed), v.isFinite else {
                throw InputError.invalid("'\(trimmed)' is not a number; valid: comma-separated numbers, e.g. 0,0.1,0.5", key: option)
            }
            return v
        }
    }
}
