import Dense
import XCTest

/// libgsl depends on libgslcblas; this proves cblas_dgemm still comes from OpenBLAS.
final class DenseBindingTests: XCTestCase {
    func testCBLASIsOpenBLAS() {
        XCTAssertTrue(BLAS.configuration.lowercased().contains("openblas"), BLAS.configuration)
    }

    func testGemmRowMajor() {
        let a: [Double] = [1, 2, 3, 4, 5, 6]  // 2×3
        let b: [Double] = [7, 8, 9, 10, 11, 12]  // 3×2
        var c = [Double](repeating: 0, count: 4)
        BLAS.gemm(m: 2, n: 2, k: 3, a: a, lda: 3, b: b, ldb: 2, c: &c, ldc: 2)
        XCTAssertEqual(c, [58, 64, 139, 154])
        var ata = [Double](repeating: 0, count: 9)  // A^T A, 3×3
        BLAS.gemm(transA: true, m: 3, n: 3, k: 2, a: a, lda: 3, b: a, ldb: 3, c: &ata, ldc: 3)
        XCTAssertEqual(ata, [17, 22, 27, 22, 29, 36, 27, 36, 45])
    }
}
