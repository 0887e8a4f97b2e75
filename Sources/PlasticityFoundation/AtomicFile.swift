import Foundation

/// Writes a file so that a reader never sees half of it and an existing file is never left
/// corrupted: the data goes to a temporary file beside the target, then replaces it by rename.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        try checkDestination(path)
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        do {
            try data.write(to: temporary)
            if rename(temporary.path, url.path) != 0 {
                throw InputError.invalid("cannot replace the file (errno \(errno))", file: path)
            }
        } catch let error as InputError {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw InputError.invalid("cannot write: \(error.localizedDescription)", file: path)
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
