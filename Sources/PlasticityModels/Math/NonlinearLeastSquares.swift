@preconcurrency internal import CGSL

/// A least-squares problem: residuals r(p) (count `residuals`) and their Jacobian dr/dp, both written
/// by the caller's closures into row-major buffers.
public struct LeastSquaresProblem {
    public var residuals: Int
    public var parameters: Int
    /// Writes r(p) (count `residuals`).
    public var residual: (_ p: [Double], _ r: inout [Double]) -> Void
    /// Writes dr_i/dp_k at [i * parameters + k].
    public var jacobian: (_ p: [Double], _ j: inout [Double]) -> Void

    public init(
        residuals: Int, parameters: Int,
        residual: @escaping (_ p: [Double], _ r: inout [Double]) -> Void,
        jacobian: @escaping (_ p: [Double], _ j: inout [Double]) -> Void
    ) {
        self.residuals = residuals
        self.parameters = parameters
        self.residual = residual
        self.jacobian = jacobian
    }
}

/// What a fit ended with: the parameters, the residual sum of squares, and whether GSL's driver
/// reported convergence (a fit that ran out of iterations or hit a GSL error is `converged == false`).
public struct LeastSquaresFit: Sendable {
    public var parameters: [Double]
    public var residualSumOfSquares: Double
    public var converged: Bool
    /// GSL stopped because a step made no progress (GSL_ENOPROG) at a finite residual: usually a
    /// minimum reached to the precision the tolerances allow, for the caller to judge.
    public var stalled: Bool
    public var iterations: Int
}

/// Nonlinear least squares with GSL's trust-region solver (`gsl_multifit_nlinear`, Levenberg–Marquardt
/// steps, analytic Jacobian). The problem reaches GSL's C callbacks through the `params` pointer.
public enum NonlinearLeastSquares {
    /// The closures and buffers the C callbacks read; a class so one opaque pointer reaches it.
    private final class Context {
        let problem: LeastSquaresProblem
        var point: [Double]
        var residual: [Double]
        var jacobian: [Double]
        init(_ problem: LeastSquaresProblem) {
            self.problem = problem
            point = [Double](repeating: 0, count: problem.parameters)
            residual = [Double](repeating: 0, count: problem.residuals)
            jacobian = [Double](repeating: 0, count: problem.residuals * problem.parameters)
        }
        func load(_ x: UnsafePointer<gsl_vector>) {
            for k in 0..<problem.parameters { point[k] = gsl_vector_get(x, k) }
        }
    }

    public static func fit(
        _ problem: LeastSquaresProblem, from initial: [Double], maxIterations: Int = 200,
        xTolerance: Double = 1e-10, gTolerance: Double = 1e-10, fTolerance: Double = 0
    ) throws -> LeastSquaresFit {
        precondition(initial.count == problem.parameters && problem.residuals >= problem.parameters)
        _ = GSLError.handlerOff
        let n = problem.residuals, p = problem.parameters
        let context = Context(problem)
        let fdf = UnsafeMutablePointer<gsl_multifit_nlinear_fdf>.allocate(capacity: 1)
        var settings = gsl_multifit_nlinear_default_parameters()
        let workspace = gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &settings, n, p)!
        let x = gsl_vector_alloc(p)!
        defer {
            gsl_multifit_nlinear_free(workspace)
            gsl_vector_free(x)
            fdf.deallocate()
        }
        for k in 0..<p { gsl_vector_set(x, k, initial[k]) }
        fdf.initialize(to: gsl_multifit_nlinear_fdf(
            f: { x, params, f in
                let c = Unmanaged<Context>.fromOpaque(params!).takeUnretainedValue()
                c.load(x!)
                c.problem.residual(c.point, &c.residual)
                for i in 0..<c.problem.residuals {
                    guard c.residual[i].isFinite else { return Int32(GSL_EBADFUNC) }
                    gsl_vector_set(f, i, c.residual[i])
                }
                return Int32(GSL_SUCCESS)
            },
            df: { x, params, j in
                let c = Unmanaged<Context>.fromOpaque(params!).takeUnretainedValue()
                c.load(x!)
                c.problem.jacobian(c.point, &c.jacobian)
                let p = c.problem.parameters
                for i in 0..<c.problem.residuals {
                    for k in 0..<p {
                        guard c.jacobian[i * p + k].isFinite else { return Int32(GSL_EBADFUNC) }
                        gsl_matrix_set(j, i, k, c.jacobian[i * p + k])
                    }
                }
                return Int32(GSL_SUCCESS)
            },
            fvv: nil, n: n, p: p, params: Unmanaged.passUnretained(context).toOpaque(),
            nevalf: 0, nevaldf: 0, nevalfvv: 0))
        try GSLError.check(gsl_multifit_nlinear_init(x, fdf, workspace), "gsl_multifit_nlinear_init")
        var info: Int32 = 0
        let status = gsl_multifit_nlinear_driver(
            maxIterations, xTolerance, gTolerance, fTolerance, nil, nil, &info, workspace)
        let position = gsl_multifit_nlinear_position(workspace)!
        let residual = gsl_multifit_nlinear_residual(workspace)!
        var rss = 0.0
        for i in 0..<n { rss += gsl_vector_get(residual, i) * gsl_vector_get(residual, i) }
        let parameters = (0..<p).map { gsl_vector_get(position, $0) }
        let finite = rss.isFinite && parameters.allSatisfy(\.isFinite)
        return LeastSquaresFit(
            parameters: parameters, residualSumOfSquares: rss,
            converged: status == Int32(GSL_SUCCESS) && finite, stalled: status == Int32(GSL_ENOPROG) && finite,
            iterations: Int(gsl_multifit_nlinear_niter(workspace)))
    }
}
