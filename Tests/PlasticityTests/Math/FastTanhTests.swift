import Foundation
import XCTest
@testable import Plasticity

/// The vectorised tanh of the forward passes: its error against glibc's tanh is bounded, every value
/// is the same alone as in a buffer (results cannot depend on a batch split), and the special values hold.
final class FastTanhTests: XCTestCase {
    /// Relative error at most 1e-15 (about 4.5 ulp) over ±40, dense near 0 and around the branch at 0.625.
    func testRelativeErrorAgainstLibmIsBounded() {
        let rng = RandomSource(seed: 5, stream: "tanh")
        var points: [Double] = (0..<200_000).map { _ in rng.uniform(-40, 40) }
        points += (0..<100_000).map { _ in rng.uniform(-1, 1) }
        points += (0..<50_000).map { _ in rng.uniform(-1e-6, 1e-6) }
        points += (0..<50_000).map { _ in 0.625 + rng.uniform(-1e-3, 1e-3) }
        points += [0.625, -0.625, 0.625.nextDown, 22, 22.000001, 1e-300, 5e-324, 19.1, -19.1]
        var worst = 0.0, worstAt = 0.0
        for x in points {
            let exact = Foundation.tanh(x), fast = FastTanh.value(x)
            let error = exact == 0 ? abs(fast) : abs(fast - exact) / abs(exact)
            if error > worst { (worst, worstAt) = (error, x) }
        }
        XCTAssertLessThan(worst, 1e-15, "worst at \(worstAt)")
    }

    func testBufferValuesEqualSingleValuesBitForBit() {
        let rng = RandomSource(seed: 6, stream: "tanh")
        for count in [0, 1, 3, 4, 5, 7, 8, 13, 64, 101] {
            let x = (0..<count).map { _ in rng.uniform(-5, 5) }
            var y = [Double](repeating: .nan, count: count)
            x.withUnsafeBufferPointer { X in y.withUnsafeMutableBufferPointer { Y in FastTanh.apply(X.baseAddress!, into: Y.baseAddress!, count: count) } }
            for i in 0..<count { XCTAssertEqual(y[i].bitPattern, FastTanh.value(x[i]).bitPattern, "count \(count), index \(i)") }
            XCTAssertEqual(x.map { Activation.tanh.value($0).bitPattern }, y.map(\.bitPattern))
        }
    }

    /// The buffer loop computes one branch when all four lanes take it: groups all below 0.625, all
    /// above, mixed, and with NaN, ±inf, ±0 and tiny values must give `lanes`' bits.
    func testSkippingTheUnusedBranchChangesNoBit() {
        let rng = RandomSource(seed: 7, stream: "tanh")
        let specials: [Double] = [.nan, .infinity, -.infinity, 0, -0.0, 1e-9, -1e-300, 0.625, 0.625.nextDown, 22, 44]
        var groups: [[Double]] = []
        for _ in 0..<5_000 {
            groups.append((0..<4).map { _ in rng.uniform(-0.625, 0.625) })  // all small
            groups.append((0..<4).map { _ in (rng.uniform(0, 1) < 0.5 ? -1 : 1) * rng.uniform(0.625, 30) })  // all large
            groups.append((0..<4).map { _ in rng.uniform(-3, 3) })  // mostly mixed
            groups.append((0..<4).map { _ in rng.uniform(0, 1) < 0.5 ? specials[rng.integer(below: specials.count)] : rng.uniform(-30, 30) })
        }
        var allSmall = 0, allLarge = 0
        for group in groups {
            let x = SIMD4<Double>(group[0], group[1], group[2], group[3])
            var y = [Double](repeating: 0, count: 4)
            group.withUnsafeBufferPointer { X in y.withUnsafeMutableBufferPointer { Y in FastTanh.apply(X.baseAddress!, into: Y.baseAddress!, count: 4) } }
            let expected = FastTanh.lanes(x)
            XCTAssertEqual(y.map(\.bitPattern), (0..<4).map { expected[$0].bitPattern }, "\(group)")
            if group.allSatisfy({ abs($0) < 0.625 }) { allSmall += 1 }
            if group.allSatisfy({ abs($0) >= 0.625 }) { allLarge += 1 }
        }
        XCTAssertGreaterThan(allSmall, 4_000)
        XCTAssertGreaterThan(allLarge, 4_000)
    }

    func testSpecialValues() {
        XCTAssertEqual(FastTanh.value(0).bitPattern, 0.0.bitPattern)
        XCTAssertEqual(FastTanh.value(-0.0).sign, .minus)
        XCTAssertEqual(FastTanh.value(.infinity), 1)
        XCTAssertEqual(FastTanh.value(-.infinity), -1)
        XCTAssertEqual(FastTanh.value(1e300), 1)
        XCTAssertEqual(FastTanh.value(-1e300), -1)
        XCTAssertTrue(FastTanh.value(.nan).isNaN)
        XCTAssertEqual(FastTanh.value(1e-20), 1e-20)
        // Odd symmetry, exactly.
        let rng = RandomSource(seed: 7, stream: "tanh")
        for _ in 0..<1000 {
            let x = rng.uniform(-30, 30)
            XCTAssertEqual(FastTanh.value(-x), -FastTanh.value(x))
        }
    }
}
