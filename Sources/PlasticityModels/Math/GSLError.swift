@preconcurrency internal import CGSL

/// A GSL status code turned into a Swift error. GSL's own abort-on-error handler is
/// switched off once, the first time any GSL-backed type is created.
public struct GSLError: Error, CustomStringConvertible, Equatable {
    public let status: Int32
    public let context: String
    public var description: String {
        "GSL error \(status) in \(context): \(String(cString: gsl_strerror(status)))"
    }

    package static let handlerOff: Void = { _ = gsl_set_error_handler_off() }()

    /// GSL's status constants import as Int; the functions return Int32.
    package static func check(_ status: Int32, _ context: @autoclosure () -> String) throws {
        if status != Int32(GSL_SUCCESS) { throw GSLError(status: status, context: context()) }
    }
}
