import Foundation

/// Writes a file so that a reader never sees half of it and an existing file is never left
/// corrupted: the data goes to a temporary file beside the target, then replaces it by rename.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        try checkDestination(path)
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        // Failures here happen after the work (the destination was checked first): a WriteFailure
        // (exit 74), and the file as it was before is untouched.
        let kept = "nothing stored is lost (the file as it was before is intact); free space and run the same command again"
        let written: Bool = data.withUnsafeBytes { bytes in
            guard let handle = fopen(temporary.path, "wb") else { return false }
            let count = bytes.isEmpty ? 0 : fwrite(bytes.baseAddress, 1, bytes.count, handle)
            let flushed = fflush(handle) == 0
            let code = errno
            let closed = fclose(handle) == 0
            errno = code
            return count == bytes.count && flushed && closed
        }
        let code = errno
        if !written || rename(temporary.path, url.path) != 0 {
            let failure = written ? errno : code
            unlink(temporary.path)
            throw WriteFailure(file: path, reason: WriteFailure.reason(errno: failure), kept: kept)
        }
    }

    /// The error `write` would meet for want of a writable directory (or because a directory is in
    /// the way), before any work is done: commands call it for every output first.
    public static func checkDestination(_ path: String) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw InputError.invalid("directory does not exist: \(directory.path)", file: path)
        }
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw InputError.invalid("is a directory; valid: a file path", file: path)
        }
        guard access(directory.path, W_OK) == 0 else {
            throw InputError.invalid("directory is not writable: \(directory.path)", file: path)
        }
    }
}
