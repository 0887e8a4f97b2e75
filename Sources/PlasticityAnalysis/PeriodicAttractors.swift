import Dense

/// Settings of the periodic-attractor search (ours; docs/tcr-and-geometry.md section 4b).
public struct CycleOptions: Codable, Equatable, Sendable {
    /// Steps of the map run from each start and discarded before looking for a return.
    public var transient = 500
    /// Steps searched for a return after the transient; periods up to `window / 2` are found
    /// (the second half confirms that the first period repeats).
    public var window = 1_000
    /// ε: a return is a state within this RMS distance per neuron, ||a - b|| / sqrt(N), of the
    /// state reached after the transient.
    public var tolerance = 1e-2

    public init() {}

    public func validate(file: String? = nil) throws {
        if transient < 0 || transient > 1_000_000 {
            throw InputError.outOfRange("cycle-transient", Double(transient), range: "0...1000000", file: file, key: "geometry.cycle-transient")
        }
        if window < 2 || window > 1_000_000 {
            throw InputError.outOfRange("cycle-window", Double(window), range: "2...1000000", file: file, key: "geometry.cycle-window")
        }
        if !(tolerance > 0 && tolerance.isFinite) {
            throw InputError.outOfRange("cycle-tolerance", tolerance, range: "> 0", file: file, key: "geometry.cycle-tolerance")
        }
    }
}

/// A periodic orbit of the map F: `period` >= 2 states, F^period(x) = x within ε.
public struct PeriodicOrbit: Codable, Equatable, Sendable {
    public var period: Int
    /// One period of states, starting where the first trajectory that found it was after its transient.
    public var states: [[Double]]
    /// How many starts ended on it.
    public var trajectories: Int

    /// Euclidean distance within which another orbit's state counts as on this one: ε plus half the
    /// widest spacing between its states (see `PeriodicAttractorFinder`).
    func reach(tolerance: Double) -> Double {
        let n = Double(states.first?.count ?? 1)
        return tolerance * n.squareRoot() + PeriodicAttractorFinder.largestGap(states) / 2
    }
}

/// Where the trajectories from a set of starts ended (input constant, default 0).
public struct CycleSearch: Codable, Equatable, Sendable {
    /// Distinct periodic attractors (period >= 2), by period then discovery order.
    public var cycles: [PeriodicOrbit]
    /// Trajectories that ended on a fixed point (returned within ε after one step).
    public var fixedPointTrajectories: Int
    /// Trajectories that returned within no period up to `window / 2` (chaos, quasi-periodic motion
    /// that does not come back within ε, or a transient longer than `transient`) or became non-finite.
    public var aperiodicTrajectories: Int

    public var periods: [Int] { cycles.map(\.period) }
}

/// Periodic attractors of a local model (leaky RNN, PLRNN) under constant input: iterate the model's
/// own one-step map F (its `StepMap`; leaky RNN: h + alpha ⊙ (f(W h + U x + b) - h)) from each start; after a transient, a
/// trajectory that returns within ε of its state is on a cycle whose period is the first return
/// time, confirmed when the whole period repeats within ε. Forward iteration reaches attractors
/// only, so every cycle found is stable (attracting); period 1 is a fixed point (counted by
/// `FixedPointFinder`, not here).
///
/// Merging: an orbit is an attractor already found when every one of its states lies within
/// ε + (half the widest spacing between that attractor's states) of one of them. For an exact cycle
/// reached from two starts the states coincide (within ε). On a quasi-periodic attractor (an invariant
/// circle whose rotation comes back only approximately) the return within ε happens after p steps
/// whose states are spread nearly evenly around the circle, and another start's states fall between
/// them, at most half a spacing away — distinct cycles are this close only if their states interleave.
public enum PeriodicAttractorFinder {
    public static func find(
        model: any RecurrentModel, input: [Double]? = nil, starts: [[Double]], options: CycleOptions = CycleOptions()
    ) throws -> CycleSearch {
        guard let local = model as? any LocalRecurrentModel else {
            throw InputError.unknown("model for periodic attractors", model.kind.rawValue, valid: ModelKind.local.map(\.rawValue), key: "cycles")
        }
        let map = StepMap(model: local, input: input)
        let n = map.size, count = starts.count
        guard count > 0 else { return CycleSearch(cycles: [], fixedPointTrajectories: 0, aperiodicTrajectories: 0) }
        // All starts as the rows of one matrix: one gemm per step.
        var h = [Double](repeating: 0, count: count * n)
        for (s, start) in starts.enumerated() {
            precondition(start.count == n, "an initial state must have one value per neuron")
            for j in 0..<n { h[s * n + j] = start[j] }
        }
        var scratch = StepMap.RowScratch(rows: count, size: n)
        for _ in 0..<options.transient { map.stepRows(&h, rows: count, scratch: &scratch) }
        let reference = h
        // ε in RMS per neuron, compared as a squared Euclidean distance.
        let limit = options.tolerance * options.tolerance * Double(n)
        var firstReturn = [Int?](repeating: nil, count: count)
        let search = options.window / 2
        for step in 1...max(search, 1) {
            map.stepRows(&h, rows: count, scratch: &scratch)
            for s in 0..<count where firstReturn[s] == nil {
                var d = 0.0
                for j in 0..<n { let e = h[s * n + j] - reference[s * n + j]; d += e * e }
                if d < limit { firstReturn[s] = step }
            }
            if !firstReturn.contains(where: { $0 == nil }) { break }
        }
        var cycles: [PeriodicOrbit] = []
        var reaches: [Double] = []  // of each cycle, computed once
        var fixed = 0, aperiodic = 0
        for s in 0..<count {
            let x0 = Array(reference[(s * n)..<((s + 1) * n)])
            guard x0.allSatisfy(\.isFinite), let p = firstReturn[s] else { aperiodic += 1; continue }
            if p == 1 { fixed += 1; continue }
            // Confirm: two periods from x0, the second within ε of the first, state by state.
            var orbit = [x0]
            for _ in 1..<(2 * p) { orbit.append(map.step(orbit[orbit.count - 1])) }
            let repeats = (0..<p).allSatisfy { squaredDistance(orbit[$0], orbit[$0 + p]) < limit }
            guard repeats else { aperiodic += 1; continue }
            let states = Array(orbit.prefix(p))
            if let k = cycles.indices.first(where: { k in
                states.allSatisfy { x in cycles[k].states.contains { squaredDistance($0, x) <= reaches[k] * reaches[k] } }
            }) {
                cycles[k].trajectories += 1
            } else {
                cycles.append(PeriodicOrbit(period: p, states: states, trajectories: 1))
                reaches.append(cycles[cycles.count - 1].reach(tolerance: options.tolerance))
            }
        }
        cycles = cycles.enumerated().sorted { ($0.element.period, $0.offset) < ($1.element.period, $1.offset) }.map(\.element)
        return CycleSearch(cycles: cycles, fixedPointTrajectories: fixed, aperiodicTrajectories: aperiodic)
    }

    /// The largest distance from a state to its nearest other state (Euclidean): the widest spacing
    /// between neighbours on the orbit (0 for a single state).
    static func largestGap(_ sample: [[Double]]) -> Double {
        var largest = 0.0
        for (i, a) in sample.enumerated() {
            var nearest = Double.infinity
            for (j, b) in sample.enumerated() where j != i { nearest = min(nearest, squaredDistance(a, b)) }
            if nearest.isFinite { largest = max(largest, nearest) }
        }
        return largest.squareRoot()
    }

    static func squaredDistance(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
    }
}

extension StepMap {
    /// Buffers of `stepRows` for a fixed number of rows, allocated once per search.
    struct RowScratch {
        var rates, drive, auxiliary, next: [Double]
        init(rows: Int, size n: Int) {
            rates = [Double](repeating: 0, count: rows * n)
            drive = rates
            auxiliary = rates
            next = rates
        }
    }

    /// F applied to each row of `h` (rows × N, row-major), the same map as `step` for many states at
    /// once: A = φ(H) Wᵀ + U x, then the model's own update (which adds b) for all rows in one call.
    func stepRows(_ h: inout [Double], rows: Int, scratch s: inout RowScratch) {
        let n = size
        // One pointer access per loop rather than a checked array access per element.
        h.withUnsafeBufferPointer { hp in s.rates.withUnsafeMutableBufferPointer { model.applyRate(hp.baseAddress!, into: $0.baseAddress!, count: rows * n) } }
        inputDrive.withUnsafeBufferPointer { u in
            s.drive.withUnsafeMutableBufferPointer { a in for row in 0..<rows { for j in 0..<n { a[row * n + j] = u[j] } } }
        }
        s.rates.withUnsafeBufferPointer { rp in
            weights.withUnsafeBufferPointer { w in
                s.drive.withUnsafeMutableBufferPointer { ap in
                    BLAS.gemm(transB: true, m: rows, n: n, k: n, a: rp.baseAddress!, lda: n, b: w.baseAddress!, ldb: n,
                              beta: 1, c: ap.baseAddress!, ldc: n)
                }
            }
        }
        withPointers(parameters, constants, h) { P, K, H in
            withMutablePointers(&s.drive, &s.auxiliary, &s.next) { A, X, out in
                model.update(constants: K, parameters: P, rows: rows, previous: H, drive: A, auxiliary: X, next: out, noise: nil)
            }
        }
        swap(&h, &s.next)
    }
}
