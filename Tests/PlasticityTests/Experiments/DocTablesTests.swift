import Foundation
import XCTest
@testable import Plasticity

/// The rule, modifier and task tables in README.md and docs/*.md are the ones the catalogs generate
/// (`make doc-tables`), and each generated table appears in some document.
final class DocTablesTests: XCTestCase {
    static let packageDirectory = TestPackage.directory

    func documents() throws -> [(path: String, text: String)] {
        let docs = Self.packageDirectory.appendingPathComponent("docs")
        let names = try FileManager.default.contentsOfDirectory(atPath: docs.path).filter { $0.hasSuffix(".md") }.sorted()
        return try (["README.md"] + names.map { "docs/" + $0 }).map { path in
            (path, try String(contentsOf: Self.packageDirectory.appendingPathComponent(path), encoding: .utf8))
        }
    }

    func testDocumentsHoldTheGeneratedTables() throws {
        let tables = DocTables.all(rules: try RuleLibrary(environment: [:]))
        var seen: Set<String> = []
        for doc in try documents() {
            let names = DocTables.names(in: doc.text)
            for name in names {
                XCTAssertTrue(tables.contains { $0.name == name }, "\(doc.path): unknown generated table '\(name)'")
            }
            seen.formUnion(names)
            let regenerated = DocTables.replacingBlocks(in: doc.text, with: tables)
            if regenerated != doc.text {
                let (old, new) = (doc.text.components(separatedBy: "\n"), regenerated.components(separatedBy: "\n"))
                let i = (0..<min(old.count, new.count)).first { old[$0] != new[$0] } ?? min(old.count, new.count)
                XCTFail("\(doc.path) is stale: run `make doc-tables` (line \(i + 1): \(i < old.count ? old[i] : "") → \(i < new.count ? new[i] : ""))")
            }
        }
        XCTAssertEqual(seen, Set(tables.map(\.name)), "every generated table has a place in the docs")
    }

    func testTablesListEveryRegisteredRuleModifierAndTask() throws {
        let library = try RuleLibrary(environment: [:])
        let rules = RuleCatalog.implementationsMarkdown(library.registry).components(separatedBy: "\n")
        XCTAssertEqual(rules.count, 2 + RuleRegistry.standard.ids.count)
        for (row, id) in zip(rules.dropFirst(2), RuleRegistry.standard.ids) { XCTAssertTrue(row.hasPrefix("| `\(id)` | "), row) }
        let files = RuleCatalog.configurationsMarkdown(library).components(separatedBy: "\n")
        XCTAssertEqual(files.dropFirst(2).map { $0.split(separator: "`")[1] }.map(String.init), library.configurations.map(\.name))
        let modifiers = RuleCatalog.modifiersMarkdown().components(separatedBy: "\n")
        XCTAssertEqual(modifiers.count, 2 + ModifierRegistry.standard.ids.count)
        let tasks = TaskCatalog.markdown().components(separatedBy: "\n")
        XCTAssertEqual(tasks.dropFirst(2).map { $0.split(separator: "`")[1] }.map(String.init), TaskRegistry.standard.ids)
        XCTAssertTrue(tasks.contains { $0.hasPrefix("| `flipflop3` | ") && $0.hasSuffix(" | T (100, 2…10000), p (0.05, 0.001…1) |") }, tasks.joined(separator: "\n"))
    }

    func testBlocksAreReplacedBetweenTheirMarkersOnly() {
        let table = DocTables.Table(name: "t", markdown: "| a |\n|---|\n| new |")
        let text = "intro\n\(DocTables.startMarker("t"))\n| a |\n|---|\n| old |\n\(DocTables.endMarker)\noutro\n\(DocTables.startMarker("other"))\nkept\n\(DocTables.endMarker)\n"
        XCTAssertEqual(DocTables.names(in: text), ["t", "other"])
        XCTAssertEqual(
            DocTables.replacingBlocks(in: text, with: [table]),
            "intro\n\(table.block)\noutro\n\(DocTables.startMarker("other"))\nkept\n\(DocTables.endMarker)\n")
        XCTAssertEqual(MarkdownTable.render(header: ["x"], rows: [["a|b"]]), "| x |\n|---|\n| a\\|b |")
    }
}
