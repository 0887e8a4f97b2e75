import Dense
import XCTest

/// The per-step products with W packed once per pass (`PackedOperand`, Sources/PackedGemm) give
/// OpenBLAS's numbers bit for bit — every shape class the kernel can see (full and partial 12-column
/// panels, k up to 256, both layouts of W, overwrite and add, padded leading dimensions) — and are
/// used only on the shapes where they were measured to be faster.
final class PackedProductTests: OpenBLASArithmeticTestCase {
    func requireKernel() throws {
        guard PackedOperand.cpuSupported else { throw XCTSkip("no AVX2/FMA: the packed kernel is not used on this CPU") }
        try requireHaswellFamilyKernel("the packed kernel")
    }

    func testKernelIsOnWithThisMachinesOpenBLAS() throws {
        try requireKernel()
        XCTAssertTrue(PackedOperand.kernelMatchesOpenBLAS)
    }

    /// The kernel against OpenBLAS on random operands, every element compared.
    func testKernelEqualsOpenBLASBitForBit() throws {
        try requireKernel()
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next() -> Double {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Double(state >> 11) / Double(1 << 53) * 2 - 1
        }
        var shapes = 0
        for m in [4, 8, 16, 28, 32, 64] {
            for n in [1, 5, 12, 13, 24, 100, 192, 256] {
                for k in [1, 3, 12, 64, 191, 192, 255, 256] {
                    for transposed in [false, true] {
                        for beta in [0.0, 1.0] {
                            let pad = (m + n + k) % 3
                            let lda = k + pad, ldb = (transposed ? k : n) + pad, ldc = n + pad
                            let a = (0..<(m * lda)).map { _ in next() }
                            let b = (0..<((transposed ? n : k) * ldb)).map { _ in next() }
                            let c0 = (0..<(m * ldc)).map { _ in next() }
                            var kernel = c0, openBLAS = c0
                            kernel.withUnsafeMutableBufferPointer { c in
                                PackedOperand.kernelGemm(transposed: transposed, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
                                                         beta: beta, c: c.baseAddress!, ldc: ldc)
                            }
                            openBLAS.withUnsafeMutableBufferPointer { c in
                                BLAS.openBLASGemm(transB: transposed, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: beta,
                                                  c: c.baseAddress!, ldc: ldc)
                            }
                            let differ = zip(kernel, openBLAS).filter { $0.bitPattern != $1.bitPattern }.count
                            XCTAssertEqual(differ, 0, "m \(m) n \(n) k \(k) transposed \(transposed) beta \(beta)")
                            shapes += 1
                        }
                    }
                }
            }
        }
        XCTAssertEqual(shapes, 6 * 8 * 8 * 4)
    }

    /// `PackedOperand.gemm` takes the kernel only on its shapes (m ≤ 32, a multiple of 4; 192 ≤ k ≤ 256)
    /// and gives the same numbers as `BLAS.gemm` on and off them; a longer sum (OpenBLAS splits k > 256)
    /// never reaches the kernel.
    func testShapeRuleAndSameNumbersThroughTheOperand() throws {
        try requireKernel()
        XCTAssertTrue(PackedOperand.usesKernel(rows: 32, n: 256, k: 256))
        XCTAssertTrue(PackedOperand.usesKernel(rows: 4, n: 7, k: 192))
        XCTAssertFalse(PackedOperand.usesKernel(rows: 64, n: 256, k: 256))
        XCTAssertFalse(PackedOperand.usesKernel(rows: 30, n: 256, k: 256))
        XCTAssertFalse(PackedOperand.usesKernel(rows: 32, n: 128, k: 128))
        XCTAssertFalse(PackedOperand.usesKernel(rows: 32, n: 300, k: 300))
        var state: UInt64 = 7
        func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53) - 0.5
        }
        for (m, n) in [(32, 256), (64, 256), (32, 128), (12, 200)] {
            for transposed in [false, true] {
                let k = n
                let operand = PackedOperand(transposed: transposed, n: n, k: k, rows: m)
                XCTAssertEqual(operand.packs, PackedOperand.usesKernel(rows: m, n: n, k: k))
                let w = (0..<(n * k)).map { _ in next() }, a = (0..<(m * k)).map { _ in next() }
                let c0 = (0..<(m * n)).map { _ in next() }
                var viaOperand = c0, viaBLAS = c0
                operand.pack(w, ldb: transposed ? k : n)
                viaOperand.withUnsafeMutableBufferPointer { c in
                    operand.gemm(m: m, a: a, lda: k, b: w, ldb: transposed ? k : n, beta: 1, c: c.baseAddress!, ldc: n)
                }
                BLAS.gemm(transB: transposed, m: m, n: n, k: k, a: a, lda: k, b: w, ldb: transposed ? k : n, beta: 1, c: &viaBLAS, ldc: n)
                XCTAssertEqual(viaOperand.map(\.bitPattern), viaBLAS.map(\.bitPattern), "m \(m) n \(n) transposed \(transposed)")
            }
        }
    }
}
