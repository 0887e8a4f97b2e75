@preconcurrency internal import CGSL

/// Settings of the fixed-point search (Sussillo & Barak 2013 style). Defaults are ours (docs/tcr-and-geometry.md).
public struct FixedPointOptions: Codable, Equatable, Sendable {
    /// Initial states: states sampled from trajectories plus Gaussian noise of this std.
    public var starts = 64
    public var startNoise = 0.05
    /// q(h) at or below this: a fixed point (|F(h) - h| ~ 1e-7).
    public var fixedTolerance = 1e-14
    /// q(h) at or below this (and above `fixedTolerance`): a slow point.
    public var slowTolerance = 1e-6
    /// Minima closer than this (Euclidean) are one point; the one with the smaller q is kept.
    public var mergeDistance = 1e-3
    public var maxIterations = 2_000
    /// The minimiser stops when ||grad q|| falls below this.
    public var gradientTolerance = 1e-13
    /// Newton steps on F(h) - h = 0 after BFGS (which stalls near q ~ 1e-14 when J - I is ill-conditioned);
    /// a step longer than `polishRadius` is refused, so a slow point is never thrown onto a distant root.
    public var polishSteps = 8
    public var polishRadius = 1e-2

    public init() {}
}

/// A fixed or slow point of the map F, with the stability of its linearisation — as a point of the map
/// and as an equilibrium of the ODE dh/dt = F(h) - h whose unit Euler step the map is (`StepMap`).
public struct FixedPoint: Codable, Equatable, Sendable {
    public var state: [Double]
    /// q(h) = ½||F(h) - h||² at the point.
    public var speed: Double
    /// q <= fixedTolerance; otherwise a slow point.
    public var isFixed: Bool
    /// Eigenvalues of the Jacobian dF/dh (real and imaginary parts).
    public var eigenvaluesReal: [Double]
    public var eigenvaluesImaginary: [Double]
    /// ||dh/dt||₂ at the point, the Euclidean norm of the vector field F(h) - h (leaky RNN: alpha ⊙ (f(a) - h)),
    /// time in units of the trained step: how far the point is from an equilibrium of the ODE. It is
    /// sqrt(2q) (the field is the map's residual), at most sqrt(2 · fixedTolerance) ≈ 1.4e-7 for a fixed point.
    public var odeResidual: Double
    /// Eigenvalues of the vector field's Jacobian d(F(h) - h)/dh = J - I (computed from J - I itself:
    /// the map's eigenvalues minus 1 up to rounding).
    public var odeEigenvaluesReal: [Double]
    public var odeEigenvaluesImaginary: [Double]

    /// Largest |lambda| of the Jacobian.
    public var spectralRadius: Double {
        zip(eigenvaluesReal, eigenvaluesImaginary).map { ($0 * $0 + $1 * $1).squareRoot() }.max() ?? 0
    }
    /// Discrete-time stability: every |lambda| < 1.
    public var isStable: Bool { spectralRadius < 1 }
    /// Number of eigenvalues with |lambda| >= 1 (0 for an attractor, 1 for a saddle between two).
    public var unstableDirections: Int {
        zip(eigenvaluesReal, eigenvaluesImaginary).filter { ($0 * $0 + $1 * $1).squareRoot() >= 1 }.count
    }
    /// Largest real part of the field's eigenvalues (the ODE's spectral abscissa).
    public var odeSpectralAbscissa: Double { odeEigenvaluesReal.max() ?? -.infinity }
    /// Continuous-time stability: every eigenvalue of J - I has real part < 0. Implied by the map's
    /// (|lambda| < 1 gives Re(lambda) - 1 < 0), not the converse: lambda = -1.5 is unstable for the map
    /// (the Euler step of size 1 overshoots) and stable for the ODE.
    public var isStableUnderODE: Bool { odeSpectralAbscissa < 0 }
    /// Number of eigenvalues of J - I with real part >= 0.
    public var odeUnstableDirections: Int { odeEigenvaluesReal.filter { $0 >= 0 }.count }
    /// The map and the ODE disagree about the point's stability.
    public var stabilityDisagrees: Bool { isStable != isStableUnderODE }
}

/// Fixed and slow points of a `LocalRecurrentModel` (its one-step map, `StepMap`) under constant input: minimise q(h) = ½||F(h) - h||² with
/// GSL's BFGS (`gsl_multimin_fdfminimizer_vector_bfgs2`, analytic gradient) from many initial states,
/// keep minima with small q, merge duplicates, and classify stability from the Jacobian's eigenvalues
/// (`gsl_eigen_nonsymm`) — the map's J and the ODE's J - I, with each point's ODE residual ||F(h) - h||₂.
public enum FixedPointFinder {
    /// `starts` initial states: states h_t^b (t >= 1) drawn uniformly from `trajectory`, plus N(0, noise²) per coordinate.
    public static func initialStates(from trajectory: Trajectory, count: Int, noise: Double, rng: RandomSource) -> [[Double]] {
        let steps = trajectory.steps, batch = trajectory.batch, n = trajectory.states.width
        precondition(steps >= 1 && batch >= 1, "an empty trajectory has no states to start from")
        return (0..<count).map { _ in
            let t = 1 + rng.integer(below: steps), b = rng.integer(below: batch)
            return (0..<n).map { trajectory.states[t, b, $0] + rng.gaussian(sigma: noise) }
        }
    }

    /// Fixed points first (by q), then slow points; duplicates merged.
    public static func find(
        model: any RecurrentModel, input: [Double]? = nil, starts: [[Double]], options: FixedPointOptions = FixedPointOptions()
    ) throws -> [FixedPoint] {
        guard let local = model as? any LocalRecurrentModel else {
            throw InputError.unknown(
                "model for fixed points (no vector field: its gates are not an ODE's)",
                model.kind.rawValue, valid: ModelKind.local.map(\.rawValue), key: "fixed-points")
        }
        let map = StepMap(model: local, input: input)
        var minima: [(state: [Double], q: Double)] = []
        try withMinimizer(map) { minimize in
            for start in starts {
                precondition(start.count == map.size, "an initial state must have one value per neuron")
                let found = try minimize(start, options)
                if found.q <= options.slowTolerance { minima.append(found) }
            }
        }
        minima.sort { $0.q < $1.q }
        var kept: [(state: [Double], q: Double)] = []
        for m in minima where !kept.contains(where: { distance($0.state, m.state) < options.mergeDistance }) {
            kept.append(m)
        }
        return try kept.map { m in
            let eig = try Eigen.nonsymmetric(map.jacobian(m.state))
            let field = try Eigen.nonsymmetric(map.fieldJacobian(m.state))
            let residual = map.velocity(m.state).reduce(0) { $0 + $1 * $1 }.squareRoot()
            return FixedPoint(
                state: m.state, speed: m.q, isFixed: m.q <= options.fixedTolerance,
                eigenvaluesReal: eig.map(\.re), eigenvaluesImaginary: eig.map(\.im),
                odeResidual: residual, odeEigenvaluesReal: field.map(\.re), odeEigenvaluesImaginary: field.map(\.im))
        }
    }

    static func distance(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
    }

    /// Sets up one GSL minimiser for `map` and hands `body` a function start → (minimiser, q).
    /// GSL keeps a pointer to the function struct, so it lives on the heap until the minimiser is freed.
    static func withMinimizer(
        _ map: StepMap, _ body: (([Double], FixedPointOptions) throws -> (state: [Double], q: Double)) throws -> Void
    ) throws {
        _ = GSLError.handlerOff
        let n = map.size
        let function = UnsafeMutablePointer<gsl_multimin_function_fdf>.allocate(capacity: 1)
        let x = gsl_vector_alloc(n)!
        let minimizer = gsl_multimin_fdfminimizer_alloc(gsl_multimin_fdfminimizer_vector_bfgs2, n)!
        defer {
            gsl_multimin_fdfminimizer_free(minimizer)
            gsl_vector_free(x)
            function.deallocate()
        }
        function.initialize(to: gsl_multimin_function_fdf(
            f: { v, params in
                let map = Unmanaged<StepMap>.fromOpaque(params!).takeUnretainedValue()
                return FixedPointFinder.withContiguous(v!, map) { map.evaluate($0) }
            },
            df: { v, params, g in
                let map = Unmanaged<StepMap>.fromOpaque(params!).takeUnretainedValue()
                FixedPointFinder.withContiguous(v!, map) { h in FixedPointFinder.writeGradient(map, h, g!) }
            },
            fdf: { v, params, f, g in
                let map = Unmanaged<StepMap>.fromOpaque(params!).takeUnretainedValue()
                f!.pointee = FixedPointFinder.withContiguous(v!, map) { h in FixedPointFinder.writeGradient(map, h, g!) }
            },
            n: n, params: Unmanaged.passUnretained(map).toOpaque()))
        try withExtendedLifetime(map) {
            try body { start, options in
                for i in 0..<n { x.pointee.data[i * x.pointee.stride] = start[i] }
                try GSLError.check(gsl_multimin_fdfminimizer_set(minimizer, function, x, 0.01, 0.1), "gsl_multimin_fdfminimizer_set")
                for _ in 0..<options.maxIterations {
                    // A failed line search (GSL_ENOPROG) means no further progress: keep the point reached.
                    if gsl_multimin_fdfminimizer_iterate(minimizer) != Int32(GSL_SUCCESS) { break }
                    if gsl_multimin_test_gradient(gsl_multimin_fdfminimizer_gradient(minimizer), options.gradientTolerance) == Int32(GSL_SUCCESS) { break }
                }
                let best = gsl_multimin_fdfminimizer_x(minimizer)!
                let state = (0..<n).map { best.pointee.data[$0 * best.pointee.stride] }
                return try polish(map, state, options)
            }
        }
    }

    /// Newton's method on r(h) = F(h) - h: solve (J - I) delta = -r by LU (GSL), keep a step only if it
    /// is short and lowers q. Converges quadratically from where BFGS stopped at a true fixed point.
    static func polish(_ map: StepMap, _ start: [Double], _ options: FixedPointOptions) throws -> (state: [Double], q: Double) {
        let n = map.size
        var h = start, q = map.speed(h)
        guard options.polishSteps > 0, q > 0 else { return (h, q) }
        let a = gsl_matrix_alloc(n, n)!, permutation = gsl_permutation_alloc(n)!
        let rhs = gsl_vector_alloc(n)!, delta = gsl_vector_alloc(n)!
        defer {
            gsl_matrix_free(a)
            gsl_permutation_free(permutation)
            gsl_vector_free(rhs)
            gsl_vector_free(delta)
        }
        for _ in 0..<options.polishSteps {
            let jacobian = map.jacobian(h)  // also leaves r = F(h) - h in map.residual
            let data = a.pointee.data!, tda = a.pointee.tda
            for r in 0..<n {
                for c in 0..<n { data[r * tda + c] = jacobian[r, c] - (r == c ? 1 : 0) }
                rhs.pointee.data[r * rhs.pointee.stride] = -map.residual[r]
            }
            var signum: Int32 = 0
            guard gsl_linalg_LU_decomp(a, permutation, &signum) == Int32(GSL_SUCCESS),
                  gsl_linalg_LU_solve(a, permutation, rhs, delta) == Int32(GSL_SUCCESS) else { break }
            let step = (0..<n).map { delta.pointee.data[$0 * delta.pointee.stride] }
            let length = step.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard length.isFinite, length <= options.polishRadius else { break }
            let candidate = zip(h, step).map { $0 + $1 }
            let qNew = map.speed(candidate)
            guard qNew < q else { break }
            h = candidate
            q = qNew
            if q == 0 { break }
        }
        return (h, q)
    }

    /// GSL vectors may be strided; the map reads a contiguous copy.
    static func withContiguous<R>(_ v: UnsafePointer<gsl_vector>, _ map: StepMap, _ body: (UnsafePointer<Double>) -> R) -> R {
        let stride = v.pointee.stride, data = v.pointee.data!
        if stride == 1 { return body(data) }
        let copy = (0..<map.size).map { data[$0 * stride] }
        return copy.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    static func writeGradient(_ map: StepMap, _ h: UnsafePointer<Double>, _ g: UnsafeMutablePointer<gsl_vector>) -> Double {
        let stride = g.pointee.stride, data = g.pointee.data!
        if stride == 1 { return map.evaluate(h, gradient: data) }
        var tmp = [Double](repeating: 0, count: map.size)
        let q = tmp.withUnsafeMutableBufferPointer { map.evaluate(h, gradient: $0.baseAddress!) }
        for i in 0..<map.size { data[i * stride] = tmp[i] }
        return q
    }
}

/// Counts of a fixed-point analysis, the quantities GR events compare.
public struct AttractorCounts: Codable, Equatable, Sendable {
    public var stableFixedPoints: Int
    public var unstableFixedPoints: Int
    public var slowPoints: Int

    public init(stableFixedPoints: Int, unstableFixedPoints: Int, slowPoints: Int) {
        self.stableFixedPoints = stableFixedPoints
        self.unstableFixedPoints = unstableFixedPoints
        self.slowPoints = slowPoints
    }

    public init(_ points: [FixedPoint]) {
        self.init(
            stableFixedPoints: points.filter { $0.isFixed && $0.isStable }.count,
            unstableFixedPoints: points.filter { $0.isFixed && !$0.isStable }.count,
            slowPoints: points.filter { !$0.isFixed }.count)
    }
}

/// How the fixed points of a search fare as equilibria of the ODE dh/dt = F(h) - h (slow points left out).
public struct ODEStabilityCounts: Codable, Equatable, Sendable {
    /// Fixed points whose field Jacobian J - I has every real part < 0.
    public var stableFixedPoints: Int
    /// Fixed points whose stability differs between the map and the ODE (map-unstable, ODE-stable:
    /// the other way round is impossible).
    public var disagreements: Int
    /// Largest ODE residual ||F(h) - h||₂ among the fixed points (0 without any).
    public var largestResidual: Double

    public init(stableFixedPoints: Int, disagreements: Int, largestResidual: Double) {
        self.stableFixedPoints = stableFixedPoints
        self.disagreements = disagreements
        self.largestResidual = largestResidual
    }

    public init(_ points: [FixedPoint]) {
        let fixed = points.filter(\.isFixed)
        self.init(
            stableFixedPoints: fixed.filter(\.isStableUnderODE).count, disagreements: fixed.filter(\.stabilityDisagrees).count,
            largestResidual: fixed.map(\.odeResidual).max() ?? 0)
    }
}
