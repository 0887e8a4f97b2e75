import TOMLKit

/// Strict reading of one TOML table: every read names its key, checks the type and range, and
/// `finish()` rejects keys nobody asked for, so a typo in a protocol file is an error naming the
/// file, the key and the valid choices rather than a silently ignored line.
package struct TOMLFields {
    package let table: TOMLTable
    package let file: String
    /// Dotted path of this table inside the file ("" at the top level).
    package let path: String
    private var read: Set<String> = []
    /// Every key this table accepts, for the "valid:" list of an unknown-key error.
    private var accepted: [String] = []

    package init(_ table: TOMLTable, file: String, path: String = "") {
        self.table = table
        self.file = file
        self.path = path
    }

    /// Parses TOML text; a syntax error names the file, line and column.
    package static func parse(_ text: String, file: String) throws -> TOMLFields {
        try TOMLHeaderGuard.check(text, file: file)
        do {
            return TOMLFields(try TOMLTable(string: text), file: file)
        } catch let error as TOMLParseError {
            throw InputError.invalid(
                "malformed TOML at line \(error.source.begin.line), column \(error.source.begin.column): \(error.description)", file: file)
        }
    }

    package func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    private func typeError(_ key: String, expected: String, found: TOMLValueConvertible) -> InputError {
        InputError.invalid("expected \(expected), found \(found.type.rawValue) \(found.debugDescription)", file: file, key: keyPath(key))
    }

    package mutating func value(_ key: String) -> TOMLValueConvertible? {
        accepted.append(key)
        read.insert(key)
        return table[key]
    }

    package mutating func has(_ key: String) -> Bool {
        accepted.append(key)
        return table.keys.contains(key)
    }

    package mutating func string(_ key: String, default fallback: String) throws -> String {
        guard let v = value(key) else { return fallback }
        guard let s = v.string else { throw typeError(key, expected: "a string", found: v) }
        return s
    }

    /// A string that must be one of `choices`.
    package mutating func choice<E: RawRepresentable & CaseIterable>(_ key: String, default fallback: E) throws -> E where E.RawValue == String {
        guard let v = value(key) else { return fallback }
        guard let s = v.string else { throw typeError(key, expected: "a string", found: v) }
        guard let e = E(rawValue: s) else {
            throw InputError.unknown(key, s, valid: E.allCases.map(\.rawValue), file: file, key: keyPath(key))
        }
        return e
    }

    package mutating func bool(_ key: String, default fallback: Bool) throws -> Bool {
        guard let v = value(key) else { return fallback }
        guard let b = v.bool else { throw typeError(key, expected: "true or false", found: v) }
        return b
    }

    package mutating func int(_ key: String, default fallback: Int, range: ClosedRange<Int>) throws -> Int {
        guard let v = value(key) else { return fallback }
        guard let i = v.int else { throw typeError(key, expected: "an integer", found: v) }
        guard range.contains(i) else {
            throw InputError.outOfRange(key, Double(i), range: "\(range.lowerBound)...\(range.upperBound)", file: file, key: keyPath(key))
        }
        return i
    }

    /// A number (integers are accepted where a real is expected).
    package static func number(_ v: TOMLValueConvertible) -> Double? { v.double ?? v.int.map(Double.init) }

    package mutating func double(_ key: String, default fallback: Double, range: ClosedRange<Double>) throws -> Double {
        guard let v = value(key) else { return fallback }
        guard let d = TOMLFields.number(v) else { throw typeError(key, expected: "a number", found: v) }
        guard d.isFinite, range.contains(d) else {
            throw InputError.outOfRange(key, d, range: "\(formatNumber(range.lowerBound))...\(formatNumber(range.upperBound))", file: file, key: keyPath(key))
        }
        return d
    }

    package mutating func doubles(_ key: String, default fallback: [Double], range: ClosedRange<Double>) throws -> [Double] {
        guard let v = value(key) else { return fallback }
        guard let array = v.array else { throw typeError(key, expected: "an array of numbers", found: v) }
        return try (0..<array.count).map { i in
            let item = array[i]
            guard let d = TOMLFields.number(item) else { throw typeError("\(key)[\(i)]", expected: "a number", found: item) }
            guard d.isFinite, range.contains(d) else {
                throw InputError.outOfRange(key, d, range: "\(formatNumber(range.lowerBound))...\(formatNumber(range.upperBound))", file: file, key: keyPath("\(key)[\(i)]"))
            }
            return d
        }
    }

    package mutating func strings(_ key: String, default fallback: [String]) throws -> [String] {
        guard let v = value(key) else { return fallback }
        if let s = v.string { return [s] }
        guard let array = v.array else { throw typeError(key, expected: "an array of strings", found: v) }
        return try (0..<array.count).map { i in
            let item = array[i]
            guard let s = item.string else { throw typeError("\(key)[\(i)]", expected: "a string", found: item) }
            return s
        }
    }

    package mutating func table(_ key: String) throws -> TOMLFields? {
        guard let v = value(key) else { return nil }
        guard let t = v.table else { throw typeError(key, expected: "a table", found: v) }
        return TOMLFields(t, file: file, path: keyPath(key))
    }

    package mutating func tables(_ key: String) throws -> [TOMLFields] {
        guard let v = value(key) else { return [] }
        guard let array = v.array else { throw typeError(key, expected: "an array of tables ([[\(keyPath(key))]])", found: v) }
        return try (0..<array.count).map { i in
            let item = array[i]
            guard let t = item.table else { throw typeError("\(key)[\(i)]", expected: "a table", found: item) }
            return TOMLFields(t, file: file, path: "\(keyPath(key))[\(i)]")
        }
    }

    /// A table of name = number pairs (task parameters, rule settings): names are checked later by
    /// the task or rule that owns them.
    package mutating func numbers(_ key: String) throws -> [String: Double]? {
        guard var t = try table(key) else { return nil }
        return try t.numberEntries()
    }

    /// Every entry of this table as a number (marks them all read); a string names a choice of the
    /// setting `choiceSpecs` has under that key, stored as its index (rule settings: readout = "delta").
    package mutating func numberEntries(choiceSpecs: [ParameterSpec] = []) throws -> [String: Double] {
        var values: [String: Double] = [:]
        for key in table.keys.sorted() {
            let v = value(key)!
            if let d = TOMLFields.number(v) {
                values[key] = d
            } else if let text = v.tomlValue.string, let spec = choiceSpecs.first(where: { $0.name == key && $0.isChoice }) {
                guard let index = spec.value(parsing: text) else {
                    throw InputError.unknown("choice", text, valid: spec.choices, file: file, key: keyPath(key))
                }
                values[key] = index
            } else {
                throw typeError(key, expected: choiceSpecs.isEmpty ? "a number" : "a number (or a choice's name)", found: v)
            }
        }
        return values
    }

    /// Every entry of table `key` as a number or a choice's index (`numberEntries(choiceSpecs:)`).
    package mutating func settings(_ key: String, choiceSpecs: [ParameterSpec]) throws -> [String: Double]? {
        guard var t = try table(key) else { return nil }
        return try t.numberEntries(choiceSpecs: choiceSpecs)
    }

    /// Keys of this table that are tables themselves (e.g. per-task parameter tables).
    package var tableKeys: [String] { table.keys.sorted().filter { table[$0]?.type == .table } }

    /// Rejects any key that was not read.
    package func finish() throws {
        for key in table.keys.sorted() where !read.contains(key) {
            throw InputError.unknown("key", key, valid: accepted.uniqued(), file: file, key: path.isEmpty ? nil : path)
        }
    }
}

extension Array where Element: Hashable {
    /// The elements in first-seen order without repeats.
    package func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
