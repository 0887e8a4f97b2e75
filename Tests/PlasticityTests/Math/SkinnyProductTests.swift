import Dense
import XCTest

/// `BLAS.gemm` computes skinny products itself in builds for FMA (BLAS+SkinnyProducts.swift) with the arithmetic of
/// OpenBLAS's Haswell/Zen kernel, so that no stored number depends on which of the two computed it.
/// These compare the two bit for bit over every path of the hand-written kernels: both layouts of
/// each operand, overwrite and add, k within one block and split into OpenBLAS's blocks, odd m (the
/// one-column tail), row counts around the 8- and 4-row groups, wide and narrow n, padded leading
/// dimensions.
///
/// The reference is OpenBLAS on one thread (`OpenBLASArithmeticTestCase`): the hand-written products
/// do not follow a threaded OpenBLAS's splits — they compute the one-thread numbers whatever the
/// thread count.
final class SkinnyProductTests: OpenBLASArithmeticTestCase {
    func requireHaswellFamilyKernel() throws { try requireHaswellFamilyKernel("the skinny products") }

    /// Both products of one shape on the same random operands; the number of elements that differ.
    func mismatches(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, beta: Double, pad: Int, seed: UInt64) -> Int {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        func next() -> Double {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Double(state >> 11) / Double(1 << 53) * 2 - 1
        }
        let lda = (transA ? m : k) + pad, ldb = (transB ? k : n) + pad, ldc = n + pad
        let a = (0..<((transA ? k : m) * lda)).map { _ in next() }
        let b = (0..<((transB ? n : k) * ldb)).map { _ in next() }
        let c0 = (0..<(m * ldc)).map { _ in next() }
        var mine = c0, theirs = c0
        BLAS.skinnyGemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: &mine, ldc: ldc)
        BLAS.openBLASGemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: &theirs, ldc: ldc)
        return zip(mine, theirs).filter { $0.bitPattern != $1.bitPattern }.count
    }

    func testSkinnyProductsAreOpenBLASsBitForBit() throws {
        try requireHaswellFamilyKernel()
        let rows = [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 15, 16, 17, 31, 33, 64, 100, 1_602]
        let columns = [1, 2, 3, 4, 5, 7, 8, 12, 13, 16, 17, 20, 32, 33, 64, 128]
        let depths = [1, 2, 3, 5, 8, 9, 31, 128, 255, 256, 257, 300, 384, 511, 512, 513, 600, 1_000, 3_200]
        var shapes = 0, failures: [String] = []
        for m in rows { for n in columns { for k in depths where m * n * k <= 400_000 {
            guard BLAS.computesSkinny(m: m, n: n, k: k, alpha: 1, beta: 0) else { continue }
            for transA in [false, true] { for transB in [false, true] { for beta in [0.0, 1.0] {
                let pad = (m + n + k) % 3 == 0 ? 3 : 0
                let bad = mismatches(transA: transA, transB: transB, m: m, n: n, k: k, beta: beta, pad: pad, seed: UInt64(shapes + 1))
                shapes += 1
                if bad > 0 { failures.append("m \(m) n \(n) k \(k) transA \(transA) transB \(transB) beta \(beta): \(bad) differ") }
            } } }
        } } }
        XCTAssertGreaterThan(shapes, 3_000)
        XCTAssertEqual(failures, [], "\(failures.count) of \(shapes) products differ")
    }

    /// The products that made skinny products worth writing: the leaky RNN's step at T·B = 6,400 rows,
    /// 3 inputs and outputs, N = 128 (input drive, readout, dL/dh from the readout, dV, dU).
    func testTheStepsSkinnyProductsAreComputedHereAndEqual() throws {
        try requireHaswellFamilyKernel()
        let steps: [(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, beta: Double)] = [
            (false, true, 6_400, 128, 3, 0), (false, true, 6_400, 3, 128, 1), (false, false, 6_400, 128, 3, 0),
            (true, false, 3, 128, 6_400, 0), (true, false, 128, 3, 6_400, 0),
        ]
        for (index, s) in steps.enumerated() {
            XCTAssertTrue(BLAS.computesSkinny(m: s.m, n: s.n, k: s.k, alpha: 1, beta: s.beta), "\(s)")
            if BLAS.skinnyProductsEnabled {
                // `gemm` itself takes the hand-written path: its product is skinnyGemm's, bit for bit.
                let a = (0..<(s.m * s.k)).map { Double($0 % 97) / 97 - 0.31 }, b = (0..<(s.k * s.n)).map { Double($0 % 89) / 89 - 0.47 }
                var viaGemm = [Double](repeating: 0.25, count: s.m * s.n), direct = viaGemm
                let lda = s.transA ? s.m : s.k, ldb = s.transB ? s.k : s.n
                BLAS.gemm(transA: s.transA, transB: s.transB, m: s.m, n: s.n, k: s.k, a: a, lda: lda, b: b, ldb: ldb, beta: s.beta, c: &viaGemm, ldc: s.n)
                BLAS.skinnyGemm(transA: s.transA, transB: s.transB, m: s.m, n: s.n, k: s.k, a: a, lda: lda, b: b, ldb: ldb, beta: s.beta, c: &direct, ldc: s.n)
                XCTAssertEqual(viaGemm.map(\.bitPattern), direct.map(\.bitPattern), "\(s)")
            }
            XCTAssertEqual(mismatches(transA: s.transA, transB: s.transB, m: s.m, n: s.n, k: s.k, beta: s.beta, pad: 0, seed: UInt64(index + 77)), 0, "\(s)")
        }
        // A square product, another alpha or beta, and odd m with n not a multiple of 4 stay with OpenBLAS.
        XCTAssertFalse(BLAS.computesSkinny(m: 64, n: 128, k: 128, alpha: 1, beta: 1))
        XCTAssertFalse(BLAS.computesSkinny(m: 6_400, n: 128, k: 3, alpha: 0.5, beta: 0))
        XCTAssertFalse(BLAS.computesSkinny(m: 6_400, n: 128, k: 3, alpha: 1, beta: 2))
        XCTAssertFalse(BLAS.computesSkinny(m: 3, n: 6, k: 100, alpha: 1, beta: 0))
    }
}
