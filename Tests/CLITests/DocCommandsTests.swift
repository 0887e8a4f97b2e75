import Foundation
import XCTest

/// The commands the guides show are run as written: every `$ plasticity ...` line of
/// docs/first-study.md (files from its ```toml file=NAME blocks) succeeds, and every JSON example
/// of docs/outputs.md has the keys and value types the command really prints.
final class DocCommandsTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("plasticity-docs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    enum Block {
        case file(name: String, text: String)
        case commands([[String]])
        case json(String)
        /// A JSON example of the file `name` the command before it wrote (```json file=NAME).
        case jsonFile(name: String, text: String)
    }

    /// The fenced blocks of a document, in order: files to write, command lines, JSON examples.
    func blocks(_ document: String) throws -> [Block] {
        let text = try String(contentsOf: CLI.packageDirectory.appendingPathComponent(document), encoding: .utf8)
        var result: [Block] = []
        var lines = text.components(separatedBy: "\n")[...]
        while let line = lines.popFirst() {
            guard line.hasPrefix("```") else { continue }
            var body: [String] = []
            while let next = lines.popFirst(), next != "```" { body.append(next) }
            let info = line.dropFirst(3).split(separator: " ")
            if info.first == "toml", let name = info.dropFirst().first(where: { $0.hasPrefix("file=") }) {
                result.append(.file(name: String(name.dropFirst(5)), text: body.joined(separator: "\n") + "\n"))
            } else if info.first == "console" {
                result.append(.commands(body.filter { $0.hasPrefix("$ plasticity ") }.map { words(String($0.dropFirst("$ plasticity ".count))) }))
            } else if info.first == "json", let name = info.dropFirst().first(where: { $0.hasPrefix("file=") }) {
                result.append(.jsonFile(name: String(name.dropFirst(5)), text: body.joined(separator: "\n")))
            } else if info.first == "json" {
                result.append(.json(body.joined(separator: "\n")))
            }
        }
        return result
    }

    /// Shell words: spaces separate, single or double quotes group, a trailing `\` continues nothing (one line each).
    func words(_ line: String) -> [String] {
        var out: [String] = [], word = "", quote: Character?, any = false
        for c in line {
            if let q = quote {
                if c == q { quote = nil } else { word.append(c) }
            } else if c == "'" || c == "\"" { quote = c; any = true
            } else if c == " " {
                if !word.isEmpty || any { out.append(word) }
                word = ""; any = false
            } else { word.append(c) }
        }
        if !word.isEmpty || any { out.append(word) }
        return out
    }

    func testFirstStudyCommandsRunAsWritten() throws {
        var ran = 0
        for block in try blocks("docs/first-study.md") {
            switch block {
            case .file(let name, let text):
                try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
            case .commands(let commands):
                for arguments in commands {
                    let r = try CLI.run(arguments, in: directory)
                    XCTAssertEqual(r.status, 0, "plasticity \(arguments.joined(separator: " ")): \(r.stderr)")
                    ran += 1
                }
            case .json, .jsonFile:
                break
            }
        }
        XCTAssertGreaterThanOrEqual(ran, 4, "the guide's commands were found")
    }

    /// Any JSON value with its exact type (JSONSerialization on Linux reads `true` as 1).
    indirect enum JSONValue: Decodable {
        case null, flag, number, text, list([JSONValue]), object([String: JSONValue])

        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { self = .null }
            else if (try? c.decode(Bool.self)) != nil { self = .flag }
            else if (try? c.decode(Double.self)) != nil { self = .number }
            else if (try? c.decode(String.self)) != nil { self = .text }
            else if let a = try? c.decode([JSONValue].self) { self = .list(a) }
            else { self = .object(try c.decode([String: JSONValue].self)) }
        }

        var name: String {
            switch self {
            case .null: return "null"
            case .flag: return "true/false"
            case .number: return "a number"
            case .text: return "a string"
            case .list: return "a list"
            case .object: return "an object"
            }
        }
    }

    /// A JSON value's shape: the example's keys and types; null in the example admits anything, a
    /// number admits null; lists compare their first elements; a key "..." admits other keys.
    func assertShape(_ actual: JSONValue, like example: JSONValue, path: String, file: StaticString = #filePath, line: UInt = #line) {
        switch (example, actual) {
        case (.null, _), (.flag, .flag), (.number, .number), (.number, .null), (.text, .text):
            return
        case (.object(let e), .object(let a)):
            let open = e.keys.contains("...")
            if !open { XCTAssertEqual(Set(a.keys), Set(e.keys), "\(path): keys", file: file, line: line) }
            for (key, value) in e where key != "..." {
                if let real = a[key] {
                    assertShape(real, like: value, path: "\(path).\(key)", file: file, line: line)
                } else if open {
                    XCTFail("\(path).\(key): missing", file: file, line: line)
                }
            }
        case (.list(let e), .list(let a)):
            if let first = e.first, let real = a.first { assertShape(real, like: first, path: "\(path)[0]", file: file, line: line) }
        default:
            XCTFail("\(path): expected \(example.name), found \(actual.name)", file: file, line: line)
        }
    }

    func testOutputsJSONExamplesMatchTheCommands() throws {
        var last: (command: [String], stdout: String)?
        var checked = 0
        for block in try blocks("docs/outputs.md") {
            switch block {
            case .file(let name, let text):
                try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
            case .commands(let commands):
                for arguments in commands {
                    let r = try CLI.run(arguments, in: directory)
                    XCTAssertEqual(r.status, 0, "plasticity \(arguments.joined(separator: " ")): \(r.stderr)")
                    last = (arguments, r.stdout)
                }
            case .json(let example):
                guard let (command, stdout) = last else { continue }
                try check(example, against: stdout, name: "plasticity " + command.joined(separator: " "))
                checked += 1
                last = nil
            case .jsonFile(let name, let example):
                guard let (command, _) = last else { continue }
                let written = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
                try check(example, against: written, name: "\(name) of plasticity " + command.joined(separator: " "))
                checked += 1
                last = nil
            }
        }
        XCTAssertGreaterThanOrEqual(checked, 11, "examples found")
    }

    /// The example's shape against the real JSON (`name` says whose, in a failure).
    func check(_ example: String, against real: String, name: String) throws {
        // "..." stands for elided elements: as a key it allows other keys; in a list it is dropped.
        let cleaned = example.replacingOccurrences(of: #",\s*\.\.\.(?=\s*[\]}])"#, with: "", options: .regularExpression)
            .replacingOccurrences(of: #""\.\.\.": \.\.\."#, with: #""...": null"#, options: .regularExpression)
        let expected = try XCTUnwrap(try? JSONDecoder().decode(JSONValue.self, from: Data(cleaned.utf8)), "example after `\(name)` is not JSON:\n\(cleaned)")
        let actual = try XCTUnwrap(try? JSONDecoder().decode(JSONValue.self, from: Data(real.utf8)), "\(name) printed no JSON")
        assertShape(actual, like: expected, path: name)
    }
}
