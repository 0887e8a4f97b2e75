import Foundation

/// A write of results or outputs that failed while the command ran (a full disk, a file-size limit,
/// a file made read-only meanwhile): not bad input, so the CLI exits with its own status,
/// `WriteFailure.exitStatus` (74, EX_IOERR of sysexits.h), after the one line `description`, which
/// names the file and says what is kept and how to go on.
public struct WriteFailure: Error, CustomStringConvertible, Equatable {
    /// The exit status of every failed write (2 is bad input; a disk that fills up is not the user's input).
    public static let exitStatus: Int32 = 74

    public let message: String
    /// The file and the reason, when the line was built from them (`keeping` rewrites what is kept).
    public let file: String?
    public let reason: String?

    public init(_ message: String) {
        self.message = message
        file = nil
        reason = nil
    }

    public var description: String { message }

    /// "FILE: cannot write (REASON); WHAT IS KEPT".
    public init(file: String, reason: String, kept: String) {
        message = "\(file): cannot write (\(reason)); \(kept)"
        self.file = file
        self.reason = reason
    }

    /// The same failure saying what the caller knows is kept and how to go on (e.g. a checkpoint's).
    public func keeping(_ kept: String) -> WriteFailure {
        guard let file, let reason else { return self }
        return WriteFailure(file: file, reason: reason, kept: kept)
    }

    /// The reason of a failed write from errno (or the error's own text).
    public static func reason(errno code: Int32) -> String {
        switch code {
        case ENOSPC: return "the disk is full"
        case EFBIG: return "the file-size limit was reached"
        case EDQUOT: return "the disk quota is exceeded"
        case EROFS: return "the file system is read-only"
        case EACCES, EPERM: return "permission denied"
        default: return String(cString: strerror(code))
        }
    }
}
