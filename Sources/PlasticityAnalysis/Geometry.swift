import Dense

/// PCA of population activity: the state covariance's eigenvalues (variances, descending) and
/// eigenvectors (components), the participation ratio and projections for phase-space pictures.
public struct PrincipalComponents: Codable, Equatable, Sendable {
    public var mean: [Double]
    /// Eigenvalues of the covariance, descending, rounding-level negatives clamped to 0.
    public var variances: [Double]
    /// Unit eigenvectors; `components[k]` belongs to `variances[k]`.
    public var components: [[Double]]

    /// Fraction of the total variance along each component.
    public var explainedVarianceRatio: [Double] {
        let total = variances.reduce(0, +)
        return variances.map { total > 0 ? $0 / total : 0 }
    }

    /// PR = (sum lambda)² / sum lambda²: 1 for one direction, k for k equal ones, N for isotropic activity.
    public var participationRatio: Double {
        let s = variances.reduce(0, +), s2 = variances.reduce(0) { $0 + $1 * $1 }
        return s2 > 0 ? s * s / s2 : 0
    }

    /// The fewest components whose explained variance reaches `fraction` (0.9: the ICLR 2024 measure).
    public func componentsToExplain(_ fraction: Double) -> Int {
        var cumulative = 0.0
        for (k, r) in explainedVarianceRatio.enumerated() {
            cumulative += r
            if cumulative >= fraction - 1e-12 { return k + 1 }
        }
        return variances.count
    }

    /// Coordinates of `x` on the first `k` components (after removing the mean).
    public func project(_ x: [Double], dimensions k: Int) -> [Double] {
        precondition(x.count == mean.count && k <= components.count)
        return (0..<k).map { c in (0..<x.count).reduce(0) { $0 + (x[$1] - mean[$1]) * components[c][$1] } }
    }
}

/// Population geometry of recurrent states (docs/science.md "Measures").
public enum Geometry {
    /// States h_t^b for t in (skip+1)...T as rows (one row per (t, b)), for PCA.
    public static func stateSamples(_ trajectory: Trajectory, skip: Int = 0) -> Matrix {
        let steps = trajectory.steps, batch = trajectory.batch, n = trajectory.states.width
        precondition(skip >= 0 && skip < steps, "skip must leave at least one step")
        let slice = batch * n
        let start = (skip + 1) * slice, end = (steps + 1) * slice
        return Matrix(rows: (steps - skip) * batch, cols: n, data: Array(trajectory.states.data[start..<end]))
    }

    /// PCA of `samples` (rows = observations): covariance with 1/(rows - 1), eigen-decomposed by GSL.
    public static func principalComponents(of samples: Matrix) throws -> PrincipalComponents {
        let rows = samples.rows, n = samples.cols
        precondition(rows >= 2, "a covariance needs at least two samples")
        var mean = [Double](repeating: 0, count: n)
        for r in 0..<rows { for c in 0..<n { mean[c] += samples[r, c] } }
        for c in 0..<n { mean[c] /= Double(rows) }
        var centred = samples
        for r in 0..<rows { for c in 0..<n { centred[r, c] -= mean[c] } }
        var covariance = Matrix(rows: n, cols: n)
        centred.data.withUnsafeBufferPointer { x in
            covariance.data.withUnsafeMutableBufferPointer { cov in
                BLAS.gemm(transA: true, m: n, n: n, k: rows, alpha: 1 / Double(rows - 1),
                          a: x.baseAddress!, lda: n, b: x.baseAddress!, ldb: n, beta: 0, c: cov.baseAddress!, ldc: n)
            }
        }
        return try principalComponents(covariance: covariance, mean: mean)
    }

    /// PCA from a covariance already accumulated (e.g. over a long stream, segment by segment).
    public static func principalComponents(covariance: Matrix, mean: [Double]) throws -> PrincipalComponents {
        let eig = try Eigen.symmetric(covariance)
        return PrincipalComponents(mean: mean, variances: eig.values.map { max($0, 0) }, components: eig.vectors)
    }
}
