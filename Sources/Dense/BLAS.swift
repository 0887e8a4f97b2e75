@_implementationOnly import COpenBLAS

/// Thin Swift wrappers over OpenBLAS's CBLAS. All matrices are row-major.
/// This is the only module that imports COpenBLAS (see Package.swift for why).
public enum BLAS {
    /// C = alpha * op(A) * op(B) + beta * C, with op(A) m×k, op(B) k×n, C m×n. Skinny shapes are
    /// computed in Swift with OpenBLAS's arithmetic (BLAS+SkinnyProducts.swift) in builds for FMA,
    /// the rest by OpenBLAS.
    public static func gemm(
        transA: Bool = false, transB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Double = 1, a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int,
        beta: Double = 0, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        if SkinnyProduct.enabled, computesSkinny(m: m, n: n, k: k, alpha: alpha, beta: beta) {
            skinnyGemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        } else {
            openBLASGemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                         beta: beta, c: c, ldc: ldc)
        }
    }

    /// The same product, always by OpenBLAS (tests compare the two).
    public static func openBLASGemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Double = 1,
        a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double = 0, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        cblas_dgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
            beta, c, blasint(ldc))
    }

    /// y = alpha * op(A) * x + beta * y, A m×n (row-major).
    public static func gemv(
        trans: Bool = false, m: Int, n: Int, alpha: Double = 1,
        a: UnsafePointer<Double>, lda: Int, x: UnsafePointer<Double>, incx: Int = 1,
        beta: Double = 0, y: UnsafeMutablePointer<Double>, incy: Int = 1
    ) {
        if m == 0 || n == 0 { return }
        cblas_dgemv(
            CblasRowMajor, trans ? CblasTrans : CblasNoTrans, blasint(m), blasint(n), alpha, a,
            blasint(lda), x, blasint(incx), beta, y, blasint(incy))
    }

    /// A += alpha * x y^T, A m×n (row-major).
    public static func ger(
        m: Int, n: Int, alpha: Double, x: UnsafePointer<Double>, incx: Int = 1,
        y: UnsafePointer<Double>, incy: Int = 1, a: UnsafeMutablePointer<Double>, lda: Int
    ) {
        cblas_dger(CblasRowMajor, blasint(m), blasint(n), alpha, x, blasint(incx), y, blasint(incy), a, blasint(lda))
    }

    /// y += alpha * x
    public static func axpy(
        n: Int, alpha: Double, x: UnsafePointer<Double>, incx: Int = 1,
        y: UnsafeMutablePointer<Double>, incy: Int = 1
    ) {
        cblas_daxpy(blasint(n), alpha, x, blasint(incx), y, blasint(incy))
    }

    public static func dot(n: Int, x: UnsafePointer<Double>, incx: Int = 1, y: UnsafePointer<Double>, incy: Int = 1) -> Double {
        cblas_ddot(blasint(n), x, blasint(incx), y, blasint(incy))
    }

    public static func nrm2(n: Int, x: UnsafePointer<Double>, incx: Int = 1) -> Double {
        cblas_dnrm2(blasint(n), x, blasint(incx))
    }

    public static func scal(n: Int, alpha: Double, x: UnsafeMutablePointer<Double>, incx: Int = 1) {
        cblas_dscal(blasint(n), alpha, x, blasint(incx))
    }

    /// OpenBLAS's own thread pool. Set to 1 when independent runs go in parallel.
    public static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(n)) }
    public static var threads: Int { Int(openblas_get_num_threads()) }

    /// The library that answers cblas_dgemm, e.g. "OpenBLAS 0.3.21 ...": lets tests and `bench`
    /// prove that libgslcblas did not shadow OpenBLAS.
    public static var configuration: String { String(cString: openblas_get_config()) }

    /// The kernel family OpenBLAS chose for this CPU, e.g. "Zen" or "Haswell".
    public static var coreName: String { String(cString: openblas_get_corename()) }
}
