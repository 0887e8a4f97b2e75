import XCTest
@testable import PlasticityModels

/// Gaussian draws on the fast path are GSL's ziggurat bit for bit: the same values, the same generator
/// state afterwards, interleaved with every other kind of draw; and the comparison sees a one-ulp change.
final class FastGaussianTests: XCTestCase {
    func testFastPathIsEnabledWithThisMachinesGSL() {
        XCTAssertTrue(RandomSource.fastGaussianEnabled, "the fast path disagreed with libgsl's ziggurat and is off")
    }

    /// Two sources with the same seed: one fills through the fast path, the other calls GSL per value.
    /// Fills of many lengths and sigmas (starting anywhere in the twister's block), with uniforms,
    /// integers and shuffles in between; every value and the final states must agree.
    func testFillsEqualGSLsDrawsAndLeaveTheSameState() throws {
        try XCTSkipUnless(RandomSource.fastGaussianEnabled)
        for seed in [1, 7, 2026] as [UInt64] {
            let fast = RandomSource(seed: seed, stream: "noise"), library = RandomSource(seed: seed, stream: "noise")
            let lengths = RandomSource(seed: seed, stream: "lengths")
            var total = 0, outsideQuickPath = 0
            while total < 600_000 {
                let length = lengths.integer(below: 9_000) + 1
                let sigma = [1, 0.05, 3.7, 1e-3][lengths.integer(below: 4)]
                var a = [Double](repeating: 0, count: length), b = a
                a.withUnsafeMutableBufferPointer { fast.fillGaussian($0, sigma: sigma) }
                b.withUnsafeMutableBufferPointer { library.libraryFillGaussian($0, sigma: sigma) }
                for i in 0..<length where a[i].bitPattern != b[i].bitPattern {
                    return XCTFail("seed \(seed), value \(total + i): \(a[i]) against GSL's \(b[i])")
                }
                // Values beyond the base strip's edge (R = 3.444) come from the tail, which GSL draws.
                outsideQuickPath += a.filter { abs($0) > 3.45 * sigma }.count
                total += length
                switch lengths.integer(below: 4) {
                case 0: XCTAssertEqual(fast.uniform(), library.uniform())
                case 1: XCTAssertEqual(fast.integer(below: 1000), library.integer(below: 1000))
                case 2: XCTAssertEqual(fast.gaussian(sigma: 2), library.gaussian(sigma: 2))
                default: XCTAssertEqual(fast.permutation(17), library.permutation(17))
                }
            }
            XCTAssertEqual(fast.state, library.state, "seed \(seed): the generators' states differ")
            XCTAssertGreaterThan(outsideQuickPath, 100, "the tail (GSL's part) was never exercised")
        }
    }

    /// A checkpoint taken between fast fills restores the same continuation.
    func testStateRestoredMidBlockContinuesIdentically() throws {
        let source = RandomSource(seed: 3, stream: "noise")
        var first = [Double](repeating: 0, count: 1_001)
        source.fillGaussian(&first)
        let saved = source.state
        var continued = [Double](repeating: 0, count: 5_000), resumed = continued
        source.fillGaussian(&continued)
        let other = RandomSource(seed: 99, stream: "other")
        XCTAssertTrue(other.restore(saved))
        other.fillGaussian(&resumed)
        XCTAssertEqual(continued.map(\.bitPattern), resumed.map(\.bitPattern))
    }

    /// The tables read off GSL describe a ziggurat: the base strip never accepts at once, every other
    /// strip's limit is below 2^24, the strips widen monotonically, and the quick path takes 97% (all but the base strip and the wedges).
    func testTablesReadOffGSLDescribeTheZiggurat() throws {
        let tables = try XCTUnwrap(ZigguratTables.readFromGSL())
        XCTAssertEqual(tables.limits[0], 0)
        for strip in 1..<128 {
            XCTAssertGreaterThan(tables.limits[strip], 1 << 23, "strip \(strip)")
            XCTAssertLessThan(tables.limits[strip], 1 << 24, "strip \(strip)")
            if strip > 1 { XCTAssertGreaterThan(tables.widths[strip], tables.widths[strip - 1], "strip \(strip)") }
        }
        // x at the top of strip 127's quick part is below the edge R = 3.444... of the base strip.
        XCTAssertLessThan(Double(tables.limits[127]) * tables.widths[127], 3.45)
        let quick = tables.limits.reduce(0.0) { $0 + Double($1) } / Double(128 << 24)
        XCTAssertEqual(quick, 0.972, accuracy: 0.003)
    }

    /// The comparison is sharp: one strip's width one ulp off changes the draws that land in it.
    func testOneUlpOffInATableIsSeen() throws {
        var tables = try XCTUnwrap(ZigguratTables.readFromGSL())
        tables.widths[64] = tables.widths[64].nextUp
        let nudged = RandomSource(seed: 11, stream: "noise"), library = RandomSource(seed: 11, stream: "noise")
        var a = [Double](repeating: 0, count: 20_000), b = a
        a.withUnsafeMutableBufferPointer { nudged.fillGaussian($0, sigma: 1, tables: tables) }
        b.withUnsafeMutableBufferPointer { library.libraryFillGaussian($0, sigma: 1) }
        let differing = zip(a, b).filter { $0.bitPattern != $1.bitPattern }.count
        XCTAssertGreaterThan(differing, 20)
        XCTAssertLessThan(differing, 1_000)  // only strip 64's draws
    }
}
