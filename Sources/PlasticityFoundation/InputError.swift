/// Bad input from a user: an unknown name, a value out of range, a malformed or missing file.
/// `description` is the one line the CLI prints before exiting with status 2; it names the file
/// (when there is one), the key and the valid choices.
public struct InputError: Error, CustomStringConvertible, Equatable {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }

    static func prefix(file: String?, key: String?) -> String {
        switch (file, key) {
        case let (f?, k?): return "\(f): \(k): "
        case let (f?, nil): return "\(f): "
        case let (nil, k?): return "\(k): "
        default: return ""
        }
    }

    public static func unknown(_ what: String, _ name: String, valid: [String], file: String? = nil, key: String? = nil) -> InputError {
        InputError(prefix(file: file, key: key) + "unknown \(what) '\(name)'\(Suggestion.phrase(for: name, in: valid)); valid: \(valid.joined(separator: ", "))")
    }

    public static func outOfRange(_ name: String, _ value: Double, range: String, file: String? = nil, key: String? = nil) -> InputError {
        InputError(prefix(file: file, key: key ?? name) + "value \(formatNumber(value)) out of range; valid: \(range)")
    }

    public static func invalid(_ detail: String, file: String? = nil, key: String? = nil) -> InputError {
        InputError(prefix(file: file, key: key) + detail)
    }
}
