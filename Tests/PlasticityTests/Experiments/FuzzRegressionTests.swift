import Foundation
import XCTest
@testable import Plasticity

/// The fuzz target's inputs replayed (`make fuzz`, docs/reliability.md): the kept corpus
/// (Fuzz/corpus), every crash reproducer it found (Tests/Fixtures/fuzz-crashes, fixed since) and
/// the bad-input corpus. Each must give InputErrors only, never another error or a trap.
final class FuzzRegressionTests: XCTestCase {
    func testEveryKeptInputGivesInputErrorsOnly() throws {
        var count = 0
        for folder in ["Fuzz/corpus", "Tests/Fixtures/fuzz-crashes", "Tests/Fixtures/bad-input"] {
            let directory = TestPackage.url(folder)
            for name in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() where !name.hasPrefix(".") {
                let data = try Data(contentsOf: directory.appendingPathComponent(name))
                XCTAssertEqual(ParserFuzzing.exercise(data), [], "\(folder)/\(name)")
                count += 1
            }
        }
        XCTAssertGreaterThan(count, 45)
    }
}
