import XCTest
@testable import Plasticity
@testable import PlasticityModifiers

/// Modifier kinds are registered like rules: one registration each, unknown kinds answered with
/// the registered list, and a kind defined only here works through the same file reader.
final class ModifierRegistryTests: XCTestCase {
    /// A test-only kind: TCR at a fixed strong setting, named by its own kind.
    static let strongTCR = ModifierKind(
        id: "strong-tcr", summary: "TCR at lambda 10 (test only)", cost: "as tcr",
        settings: [ParameterSpec("scale", default: 1, range: 0...10, doc: "multiplies lambda 10")]
    ) { numbers, _, _, _ in
        .tcr(TCRConfig(lambda: 10 * (numbers["scale"] ?? 1)))
    }

    func testStandardRegistryHoldsTheShippedKindsOnce() {
        XCTAssertEqual(ModifierRegistry.standard.ids, ["tcr", "stp"])
        XCTAssertEqual(ModifierConfig.kinds.map(\.id), ModifierRegistry.standard.ids)
        var registry = ModifierRegistry.standard
        XCTAssertThrowsError(try registry.register(TCRConfig.modifierKind)) {
            XCTAssertEqual("\($0)", "modifier kind 'tcr' registered twice; valid: one registration per kind")
        }
        XCTAssertEqual(registry.ids, ["tcr", "stp"])
    }

    func testATestOnlyKindIsParsedListedAndNamedInErrors() throws {
        var registry = ModifierRegistry.standard
        try registry.register(Self.strongTCR)
        XCTAssertEqual(try ModifierConfig.parse(["kind": .text("strong-tcr"), "scale": .number(0.5)], registry: registry), .tcr(TCRConfig(lambda: 5)))
        XCTAssertThrowsError(try ModifierConfig.parse(["kind": .text("strong-tcr"), "scale": .text("big")], file: "r.toml", registry: registry)) {
            XCTAssertEqual("\($0)", "r.toml: modifiers: strong-tcr: scale: 'big' is not a number")
        }
        XCTAssertThrowsError(try ModifierConfig.parse(["kind": .text("weak-tcr")], registry: registry)) {
            XCTAssertEqual("\($0)", "modifiers: unknown modifier kind 'weak-tcr'; valid: tcr, stp, strong-tcr")
        }
        // The standard registry does not know it.
        XCTAssertThrowsError(try ModifierConfig.parse(["kind": .text("strong-tcr")])) {
            XCTAssertEqual("\($0)", "modifiers: unknown modifier kind 'strong-tcr'; valid: tcr, stp")
        }
    }
}
