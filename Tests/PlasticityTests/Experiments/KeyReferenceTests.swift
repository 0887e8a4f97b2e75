import Foundation
import XCTest
@testable import Plasticity

/// The protocol and rule-file references cannot go stale: every key the parsers accept (their own
/// lists, read from the "valid:" part of their unknown-key errors) is documented, and the list of
/// shipped protocols in docs/protocols.md is the shipped one.
final class KeyReferenceTests: XCTestCase {
    func document(_ name: String) throws -> String {
        try String(contentsOf: TestPackage.directory.appendingPathComponent(name), encoding: .utf8)
    }

    /// The keys a parser accepts at one place, from the error an unknown key there gives.
    func acceptedKeys(_ text: String) -> [String] {
        do {
            _ = try ProtocolParser.parse(text, file: "k.toml", defaultName: "k")
            XCTFail("no error for \(text)")
            return []
        } catch {
            let message = "\(error)"
            guard message.contains("unknown key 'zzz'"), let range = message.range(of: "valid: ") else {
                XCTFail("unexpected error: \(message)")
                return []
            }
            return message[range.upperBound...].components(separatedBy: ", ")
        }
    }

    func testEveryProtocolKeyIsDocumented() throws {
        let doc = try document("docs/protocols.md")
        let head = "rules = [\"bptt\"]\ntasks = [\"flipflop3\"]\n"
        let places: [(String, String)] = [
            ("top level", head + "zzz = 1\n"),
            ("[model]", head + "[model]\nzzz = 1\n"),
            ("[training]", head + "[training]\nzzz = 1\n"),
            ("[ablation]", head + "[ablation]\nzzz = 1\n"),
            ("[perturbation]", head + "[perturbation]\nzzz = 1\n"),
            ("[geometry]", head + "[geometry]\nzzz = 1\n"),
            ("[sweep]", head + "[sweep]\nlearning-rate = [0.001, 0.01]\nzzz = 1\n"),
            ("[[conditions]]", head + "[[conditions]]\nlabel = \"a\"\nzzz = 1\n"),
        ]
        for (place, text) in places {
            let keys = acceptedKeys(text)
            XCTAssertFalse(keys.isEmpty, place)
            for key in keys {
                let documented = ["`\(key)`", "[\(key)]", "[\(key).", "[[\(key)]]", "`\(key) =", "`\(key)`,"].contains { doc.contains($0) }
                    || doc.contains("`\(key.split(separator: "-").first ?? "")-") && doc.contains(key)
                XCTAssertTrue(documented, "docs/protocols.md does not document \(place) key '\(key)'")
            }
        }
    }

    func testEveryRuleFileKeyIsDocumented() throws {
        let doc = try document("docs/rules.md")
        for key in RuleConfiguration.keys + OptimizerSettings.keys {
            XCTAssertTrue(doc.contains("`\(key)`") || doc.contains("[\(key)]") || doc.contains("\(key) ="), "docs/rules.md does not document rule-file key '\(key)'")
        }
    }

    func testTheShippedProtocolListIsComplete() throws {
        let doc = try document("docs/protocols.md")
        for name in ShippedFiles.protocols.map({ ($0.path as NSString).lastPathComponent }) {
            XCTAssertTrue(doc.contains("`\(name)`"), "docs/protocols.md does not list the shipped protocol \(name)")
        }
    }
}
