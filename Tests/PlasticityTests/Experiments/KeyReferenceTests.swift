import Foundation
import XCTest
@testable import Plasticity

/// The protocol and rule-file references cannot go stale: each key list the docs are generated from
/// (`ProtocolKeys`, `RuleConfiguration.keySpecs`, `OptimizerSettings.keySpecs`) is exactly what the
/// parser accepts at that place (read from the "valid:" part of its unknown-key error), the ranges
/// the parser checks are the declared ones, and the list of shipped protocols in docs/protocols.md
/// is the shipped one. (DocTablesTests checks that the docs hold the tables rendered from the lists.)
final class KeyReferenceTests: XCTestCase {
    static let head = "rules = [\"bptt\"]\ntasks = [\"flipflop3\"]\n"

    /// Each table of a protocol: a file with `KEY` where a key of that table goes.
    static let places: [(section: String, template: String)] = [
        ("top level", head + "KEY\n"),
        ("[model]", head + "[model]\nKEY\n"),
        ("[training]", head + "[training]\nKEY\n"),
        ("[[conditions]]", head + "[[conditions]]\nlabel = \"a\"\nKEY\n"),
        ("[criteria.<task>]", head + "[criteria.flipflop3]\nKEY\n"),
        ("[[contrasts]]", head + "[[conditions]]\nlabel = \"a\"\n[[conditions]]\nlabel = \"b\"\n[[contrasts]]\nlabel = \"c\"\ntreatment = \"a\"\nbaseline = \"b\"\nKEY\n"),
        ("[sweep]", head + "[sweep]\nlearning-rate = [0.001, 0.01]\nKEY\n"),
        ("[ablation]", head + "[ablation]\nKEY\n"),
        ("[perturbation]", head + "[perturbation]\nKEY\n"),
        ("[geometry]", head + "[geometry]\nKEY\n"),
        ("[integration]", head + "[integration]\nKEY\n"),
        ("[predictions]", head + "[predictions]\nKEY\n"),
        ("[curriculum]", head + "[curriculum]\nKEY\n"),
    ]

    func parseError(_ text: String) -> String? {
        do {
            _ = try ProtocolParser.parse(text, file: "k.toml", defaultName: "k")
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// The keys a parser accepts at one place, from the error an unknown key there gives.
    func acceptedKeys(_ text: String) -> [String] {
        guard let message = parseError(text) else {
            XCTFail("no error for \(text)")
            return []
        }
        guard message.contains("unknown key 'zzz'"), let range = message.range(of: "valid: ") else {
            XCTFail("unexpected error: \(message)")
            return []
        }
        return message[range.upperBound...].components(separatedBy: ", ")
    }

    func testEachDeclaredKeyListIsWhatTheParserAccepts() {
        XCTAssertEqual(Set(Self.places.map(\.section)), Set(ProtocolKeys.sections.map(\.table)), "every section is tried")
        for (section, template) in Self.places {
            let declared = ProtocolKeys.sections.first { $0.table == section }?.keys.map(\.name) ?? []
            let accepted = acceptedKeys(template.replacingOccurrences(of: "KEY", with: "zzz = 1"))
            XCTAssertEqual(Set(accepted), Set(declared), "\(section): the parser accepts \(accepted), ProtocolKeys declares \(declared)")
            XCTAssertEqual(Set(declared).count, declared.count, "\(section): a key declared twice")
        }
    }

    /// A value just below each declared numeric range is refused with exactly that range: the parser
    /// checks the declaration's range, not one of its own.
    func testTheParserChecksTheDeclaredRanges() {
        var checked = 0
        for (section, template) in Self.places {
            for key in ProtocolKeys.sections.first(where: { $0.table == section })?.keys ?? [] where !template.contains("\n\(key.name) = ") {
                let (value, range): (String, String)
                switch key.value {
                case .integer(let r):
                    (value, range) = ("\(r.lowerBound - 1)", "\(r.lowerBound)...\(r.upperBound)")
                case .number(let r):
                    (value, range) = ("\(r.lowerBound - 1)", "\(formatNumber(r.lowerBound))...\(formatNumber(r.upperBound))")
                case .numbers(let r):
                    (value, range) = ("[\(r.lowerBound - 1)]", "\(formatNumber(r.lowerBound))...\(formatNumber(r.upperBound))")
                default:
                    continue
                }
                let message = parseError(template.replacingOccurrences(of: "KEY", with: "\(key.name) = \(value)")) ?? "no error"
                XCTAssertTrue(message.contains("out of range; valid: \(range)"), "\(section) \(key.name) = \(value): \(message)")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 50)
    }

    func testRuleFileKeysAreTheDeclaredOnes() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for (text, declared) in [
            ("implementation = \"bptt\"\ndescription = \"d\"\ncitation = \"c\"\nzzz = 1\n", RuleConfiguration.keySpecs),
            ("implementation = \"bptt\"\ndescription = \"d\"\ncitation = \"c\"\n[optimizer]\nzzz = 1\n", OptimizerSettings.keySpecs),
        ] {
            XCTAssertThrowsError(try RuleConfiguration.parse(text, name: "x", file: "x.toml")) { error in
                XCTAssertTrue("\(error)".hasSuffix("valid: " + declared.map(\.name).joined(separator: ", ")), "\(error)")
            }
        }
    }

    func testTheReferenceTablesShowTheDeclarations() {
        let tables = ProtocolKeysMarkdown.tables()
        let model = tables.first { $0.name == "protocol-keys-model" }?.markdown ?? ""
        XCTAssertTrue(model.contains("| `hidden` | integer | 64 | 1…4096 | recurrent neurons N |"), model)
        XCTAssertTrue(model.contains("| `kind` | string | `leaky` | `leaky`, `plrnn`, `gru`, `lstm` |"), model)
        let training = tables.first { $0.name == "protocol-keys-training" }?.markdown ?? ""
        XCTAssertTrue(training.contains("| `learning-rate` | number | the rule file's, else 0.001 | > 0, ≤ 10 |"), training)
        let tasks = tables.first { $0.name == "protocol-task-parameters" }?.markdown ?? ""
        XCTAssertTrue(tasks.contains("| `n-parity` | `N` | integer | 3 | 1…100 |"), tasks)
        XCTAssertEqual(tasks.components(separatedBy: "\n").count - 2, TaskRegistry.standard.types.map { $0.parameterSpecs.count }.reduce(0, +))
        let settings = tables.first { $0.name == "protocol-rule-settings" }?.markdown ?? ""
        XCTAssertTrue(settings.contains("| `eprop` | `feedback` | string | "), settings)
        let modifiers = tables.first { $0.name == "protocol-modifier-settings" }?.markdown ?? ""
        XCTAssertTrue(modifiers.contains("| `tcr` | `schedule` | string | `constant` |"), modifiers)
        XCTAssertTrue(tables.contains { $0.name == "protocol-keys-toplevel" && $0.markdown.contains("| `modifiers` | array of inline tables |") })
    }

    func testTheShippedProtocolListIsComplete() throws {
        let doc = try String(contentsOf: TestPackage.directory.appendingPathComponent("docs/protocols.md"), encoding: .utf8)
        for name in ShippedFiles.protocols.map({ ($0.path as NSString).lastPathComponent }) {
            XCTAssertTrue(doc.contains("`\(name)`"), "docs/protocols.md does not list the shipped protocol \(name)")
        }
    }
}
