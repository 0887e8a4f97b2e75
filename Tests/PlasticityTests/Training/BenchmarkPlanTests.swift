import Foundation
import XCTest
@testable import Plasticity

/// `plasticity bench`'s plan: size parsing, range checks and the shape of its text and JSON (not the timings).
final class BenchmarkPlanTests: XCTestCase {
    func testSizesAreParsedAndCheckedWithTheOptionNamed() throws {
        XCTAssertEqual(try BenchmarkPlan.sizes("4, 8,16"), [4, 8, 16])
        XCTAssertThrowsError(try BenchmarkPlan.sizes("4,x")) { XCTAssertEqual("\($0)", "--hidden: 'x' is not a size in 1...4096") }
        XCTAssertThrowsError(try BenchmarkPlan.sizes("5000")) { XCTAssertEqual("\($0)", "--hidden: '5000' is not a size in 1...4096") }
        var plan = BenchmarkPlan()
        plan.threads = 0
        XCTAssertThrowsError(try plan.run()) { XCTAssertEqual("\($0)", "--threads: value 0 out of range; valid: 1...64") }
    }

    func testTextAndJSONListEverySizeInOrder() throws {
        var plan = BenchmarkPlan()
        plan.sizes = [3, 5]
        plan.batch = 2
        plan.steps = 4
        plan.repeats = 1
        let results = try plan.run()
        XCTAssertEqual(results.map(\.hidden), [3, 5])
        XCTAssertTrue(results.allSatisfy { $0.batch == 2 && $0.steps == 4 && $0.msPerStep > 0 })
        let lines = plan.text(results).components(separatedBy: "\n")
        XCTAssertEqual(lines.count, 5)
        XCTAssertEqual(lines[0], "BPTT step (forward + backward + Adam), flipflop3, B=2, T=4, OpenBLAS threads 1")
        XCTAssertTrue(lines[1].hasPrefix("BLAS: "))
        XCTAssertEqual(lines[2], "     N   ms/step   trials/s")
        XCTAssertTrue(lines[3].hasPrefix("     3  ") && lines[4].hasPrefix("     5  "), lines.joined(separator: "\n"))
        let snake = JSONDecoder()
        snake.keyDecodingStrategy = .convertFromSnakeCase
        let decoded = try snake.decode([Benchmark.Measurement].self, from: Data(try plan.json(results).utf8))
        XCTAssertEqual(decoded.map(\.hidden), [3, 5])
    }
}
