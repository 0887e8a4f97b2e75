import XCTest
@testable import Plasticity

final class ModifierConfigTests: XCTestCase {
    func testEntriesParseIntoTheirConfigs() throws {
        let tcr = try ModifierConfig.parse(["kind": .text("tcr"), "lambda": .number(0.2), "schedule": .text("freeze-in"), "anneal-until": .number(9_000)])
        var expected = TCRConfig(lambda: 0.2, schedule: .freezeIn)
        expected.annealUntil = 9_000
        XCTAssertEqual(tcr, .tcr(expected))
        XCTAssertEqual(try ModifierConfig.parse(["kind": .text("tcr")]), .tcr(TCRConfig(lambda: 0.3)))
        XCTAssertEqual(try ModifierConfig.parse(["kind": .text("stp"), "eta": .number(0.1)]),
                       .shortTermPlasticity(ShortTermPlasticityConfig(eta: 0.1, tauF: 20, consolidation: 0)))
    }

    func testBadEntriesNameTheKeyAndTheValidChoices() {
        XCTAssertThrowsError(try ModifierConfig.parse(["kind": .text("tcx")], file: "r.toml")) {
            XCTAssertEqual("\($0)", "r.toml: modifiers: unknown modifier kind 'tcx' (did you mean 'tcr'?); valid: tcr, stp")
        }
        XCTAssertThrowsError(try ModifierConfig.parse(["lambda": .number(1)])) {
            XCTAssertEqual("\($0)", "modifiers: missing kind; valid: tcr, stp")
        }
        XCTAssertThrowsError(try ModifierConfig.parse(["kind": .text("tcr"), "lambda": .text("big")])) {
            XCTAssertEqual("\($0)", "modifiers: tcr: lambda: 'big' is not a number")
        }
        XCTAssertThrowsError(try ModifierConfig.parse(["kind": .text("tcr"), "schedule": .text("warm")])) {
            XCTAssertEqual("\($0)", "modifiers: tcr: unknown schedule 'warm'; valid: constant, freeze-in, plateau")
        }
        XCTAssertThrowsError(try ModifierConfig.parse(["kind": .text("stp"), "tau": .number(2)])) {
            XCTAssertEqual("\($0)", "modifiers: stp: unknown parameter 'tau'; valid: eta, tau-f, consolidation")
        }
    }
}
