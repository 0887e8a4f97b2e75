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

    /// Creates the directory that will hold file `path`.
    public static func createParent(of path: String) throws {
        try create(URL(fileURLWithPath: path).deletingLastPathComponent().path)
    }
}
