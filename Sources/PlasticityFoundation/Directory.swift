import Foundation

/// Creating output directories for results files and reports.
public enum Directory {
    /// Creates `path` and its missing parents; an existing non-directory is an InputError.
    public static func create(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            if !isDirectory.boolValue { throw InputError.invalid("exists and is not a directory", file: path) }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw InputError.invalid("cannot create directory: \(error.localizedDescription)", file: path)
        }
    }

    /// The error `create` (and writing into the directory) would meet, without creating anything:
    /// `path` is a writable directory, or its nearest existing ancestor is. Commands check every
    /// output directory (a report, CSV files) before any work.
    public static func checkCreatable(_ path: String) throws {
        var url = URL(fileURLWithPath: path).standardizedFileURL
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw InputError.invalid("exists and is not a directory", file: path)
        }
        while !FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            let parent = url.deletingLastPathComponent()
            if parent.path == url.path { break }
            url = parent
        }
        guard isDirectory.boolValue else { throw InputError.invalid("cannot create directory: \(url.path) is not a directory", file: path) }
        guard access(url.path, W_OK) == 0 else { throw InputError.invalid("directory is not writable: \(url.path)", file: path) }
    }

    /// Checks that file `path` can be created (`checkCreatable` of its directory) without creating anything.
    public static func checkParentCreatable(of path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw InputError.invalid("is a directory; valid: a file path", file: path)
        }
        do {
            try checkCreatable(URL(fileURLWithPath: path).deletingLastPathComponent().path)
        } catch let error as InputError {
            throw InputError(error.message.replacingOccurrences(of: URL(fileURLWithPath: path).deletingLastPathComponent().path + ": ", with: path + ": "))
        }
    }

    /// An existing file that is written in place (a results database), before any work: refused in
    /// one line when this user may not write it. (Root may write any file, so nothing is refused then.)
    public static func checkWritableInPlace(_ path: String) throws {
        guard FileManager.default.fileExists(atPath: path), access(path, W_OK) != 0 else { return }
        throw InputError.invalid(
            "the file is read-only for this user (\(WriteFailure.reason(errno: errno))), nothing was written; valid: a results file this user can write (or a copy of it)",
            file: path)
    }

    /// Creates the directory that will hold file `path`.
    public static func createParent(of path: String) throws {
        try create(URL(fileURLWithPath: path).deletingLastPathComponent().path)
    }
}
