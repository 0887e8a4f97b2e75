@preconcurrency internal import CGSL

/// Eigenvalues through GSL: `gsl_eigen_nonsymm` (real Schur form, for Jacobians) and
/// `gsl_eigen_symmv` (covariances, with vectors). Workspaces live only for the call.
public enum Eigen {
    /// Eigenvalues of a square real matrix (complex in general), in GSL's order.
    public static func nonsymmetric(_ m: Matrix) throws -> [(re: Double, im: Double)] {
        precondition(m.rows == m.cols, "eigenvalues need a square matrix")
        _ = GSLError.handlerOff
        let n = m.rows
        guard n > 0 else { return [] }
        let a = gsl_matrix_alloc(n, n)!, eval = gsl_vector_complex_alloc(n)!, work = gsl_eigen_nonsymm_alloc(n)!
        defer {
            gsl_matrix_free(a)
            gsl_vector_complex_free(eval)
            gsl_eigen_nonsymm_free(work)
        }
        copy(m, into: a)
        try GSLError.check(gsl_eigen_nonsymm(a, eval, work), "gsl_eigen_nonsymm")
        let data = eval.pointee.data!, stride = eval.pointee.stride
        return (0..<n).map { (data[2 * $0 * stride], data[2 * $0 * stride + 1]) }
    }

    /// Eigenvalues (descending) and unit eigenvectors (`vectors[k]` belongs to `values[k]`) of a symmetric matrix.
    public static func symmetric(_ m: Matrix) throws -> (values: [Double], vectors: [[Double]]) {
        precondition(m.rows == m.cols, "eigenvalues need a square matrix")
        _ = GSLError.handlerOff
        let n = m.rows
        guard n > 0 else { return ([], []) }
        let a = gsl_matrix_alloc(n, n)!, evec = gsl_matrix_alloc(n, n)!, eval = gsl_vector_alloc(n)!, work = gsl_eigen_symmv_alloc(n)!
        defer {
            gsl_matrix_free(a)
            gsl_matrix_free(evec)
            gsl_vector_free(eval)
            gsl_eigen_symmv_free(work)
        }
        copy(m, into: a)
        try GSLError.check(gsl_eigen_symmv(a, eval, evec, work), "gsl_eigen_symmv")
        try GSLError.check(gsl_eigen_symmv_sort(eval, evec, GSL_EIGEN_SORT_VAL_DESC), "gsl_eigen_symmv_sort")
        let values = (0..<n).map { eval.pointee.data[$0 * eval.pointee.stride] }
        let v = evec.pointee.data!, tda = evec.pointee.tda
        let vectors = (0..<n).map { k in (0..<n).map { i in v[i * tda + k] } }  // column k
        return (values, vectors)
    }

    static func copy(_ m: Matrix, into a: UnsafeMutablePointer<gsl_matrix>) {
        let data = a.pointee.data!, tda = a.pointee.tda
        for r in 0..<m.rows { for c in 0..<m.cols { data[r * tda + c] = m[r, c] } }
    }
}
