/// The phase-space structure of a network at one point of training: what GR events compare.
public struct GeometrySnapshot: Codable, Equatable, Sendable {
    public var trials: Int
    public var stableFixedPoints: Int
    public var unstableFixedPoints: Int
    public var slowPoints: Int
    /// Participation ratio of the state covariance on the probe batch.
    public var participationRatio: Double
    /// PCA components needed for 90% of the variance.
    public var dimension90: Int
    /// Validation loss at this checkpoint, when known (for plots beside the learning curve).
    public var loss: Double?
    /// Periodic attractors (period >= 2) reached from the fixed-point starts; nil when not searched
    /// (the analysis disabled it, or a results file written before it existed).
    public var cycles: CycleCounts?
    /// The fixed points as equilibria of the ODE dh/dt = F(h) - h: stable under it, disagreeing with
    /// the map, largest residual; nil in a results file written before it was measured.
    public var ode: ODEStabilityCounts?

    public init(
        trials: Int, stableFixedPoints: Int, unstableFixedPoints: Int, slowPoints: Int,
        participationRatio: Double, dimension90: Int, loss: Double? = nil, cycles: CycleCounts? = nil,
        ode: ODEStabilityCounts? = nil
    ) {
        self.trials = trials
        self.stableFixedPoints = stableFixedPoints
        self.unstableFixedPoints = unstableFixedPoints
        self.slowPoints = slowPoints
        self.participationRatio = participationRatio
        self.dimension90 = dimension90
        self.loss = loss
        self.cycles = cycles
        self.ode = ode
    }
}

/// What a snapshot keeps of a periodic-attractor search (`CycleSearch`).
public struct CycleCounts: Codable, Equatable, Sendable {
    /// Distinct stable cycles (period >= 2).
    public var stable: Int
    /// Their periods, ascending.
    public var periods: [Int]
    /// Starts whose trajectory returned within no period (`CycleSearch.aperiodicTrajectories`).
    public var aperiodicTrajectories: Int

    public init(stable: Int, periods: [Int], aperiodicTrajectories: Int) {
        self.stable = stable
        self.periods = periods
        self.aperiodicTrajectories = aperiodicTrajectories
    }

    public init(_ search: CycleSearch) {
        self.init(stable: search.cycles.count, periods: search.periods.sorted(), aperiodicTrajectories: search.aperiodicTrajectories)
    }
}

/// A fixed probe batch and the settings to take snapshots of one run: every snapshot of the run sees
/// the same inputs and the same fixed-point starts' noise, so differences come from the weights only.
public struct GeometryProbe: Sendable {
    public let batch: Batch
    public var options: FixedPointOptions
    /// The periodic-attractor search from the fixed-point starts; nil: not searched.
    public var cycleOptions: CycleOptions?
    /// Initial steps left out of the covariance (the transient from h_0 = 0).
    public var skip: Int
    public let seed: UInt64

    public init(
        task: any Task, size: Int = 32, seed: UInt64, options: FixedPointOptions = FixedPointOptions(),
        cycleOptions: CycleOptions? = CycleOptions(), skip: Int? = nil
    ) {
        batch = task.batch(size: size, using: RandomSource(seed: seed, stream: "geometry/probe"))
        self.options = options
        self.cycleOptions = cycleOptions
        self.seed = seed
        self.skip = skip ?? batch.steps / 10
    }

    /// The probe's trajectory, the PCA of its states, the fixed points (constant input 0) started
    /// from them and the periodic attractors reached from the same starts: what a snapshot counts
    /// and what a fixed-point picture draws.
    public func analyse(model: any RecurrentModel) throws -> ProbedGeometry {
        var trajectory = model.makeTrajectory(capacity: batch.steps, batch: batch.size)
        model.forward(batch.inputs, into: &trajectory)
        let pca = try Geometry.principalComponents(of: Geometry.stateSamples(trajectory, skip: skip))
        let starts = FixedPointFinder.initialStates(
            from: trajectory, count: options.starts, noise: options.startNoise,
            rng: RandomSource(seed: seed, stream: "geometry/starts"))
        let points = try FixedPointFinder.find(model: model, starts: starts, options: options)
        let cycles = try cycleOptions.map { try PeriodicAttractorFinder.find(model: model, starts: starts, options: $0) }
        return ProbedGeometry(trajectory: trajectory, pca: pca, points: points, cycles: cycles)
    }

    /// Fixed points and cycles (constant input 0, started from probe states) and PCA of the probe's states.
    public func snapshot(model: any RecurrentModel, trials: Int, loss: Double? = nil) throws -> GeometrySnapshot {
        try analyse(model: model).snapshot(trials: trials, loss: loss)
    }
}

/// One network seen through a probe: its states on the probe batch, their PCA, its fixed and slow
/// points and its periodic attractors.
public struct ProbedGeometry: Sendable {
    public var trajectory: Trajectory
    public var pca: PrincipalComponents
    public var points: [FixedPoint]
    public var cycles: CycleSearch?

    public init(trajectory: Trajectory, pca: PrincipalComponents, points: [FixedPoint], cycles: CycleSearch? = nil) {
        self.trajectory = trajectory
        self.pca = pca
        self.points = points
        self.cycles = cycles
    }

    public func snapshot(trials: Int, loss: Double? = nil) -> GeometrySnapshot {
        let counts = AttractorCounts(points)
        return GeometrySnapshot(
            trials: trials, stableFixedPoints: counts.stableFixedPoints, unstableFixedPoints: counts.unstableFixedPoints,
            slowPoints: counts.slowPoints, participationRatio: pca.participationRatio,
            dimension90: pca.componentsToExplain(0.9), loss: loss, cycles: cycles.map(CycleCounts.init),
            ode: ODEStabilityCounts(points))
    }
}

/// The kinds of restructuring a GR event records.
public enum GRChange: String, Codable, Sendable, CaseIterable {
    /// The number of stable fixed points (point attractors) changed.
    case stableFixedPoints = "stable-fixed-points"
    /// The number of unstable fixed points (saddles, repellers) changed.
    case unstableFixedPoints = "unstable-fixed-points"
    /// The number of stable cycles (periodic attractors) changed.
    case stableCycles = "stable-cycles"
    /// The participation ratio jumped by at least the relative threshold.
    case participationRatio = "participation-ratio"

    /// The kinds "GR precedes the escape" is about by default: changes of the attractors, point or
    /// periodic. Unstable points are found with varying recall from a fixed number of starts and
    /// the participation ratio drifts with the fit, so they are recorded but not the headline.
    public static let headlineDefault: [GRChange] = [.stableFixedPoints, .stableCycles]
}

/// A geometric-restructuring event: a change seen first in the snapshot at `trials`, absent at
/// `previousTrials`, that persisted (`GRDetectorConfig.persistence`).
public struct GREvent: Codable, Equatable, Sendable {
    public var trials: Int
    public var previousTrials: Int
    public var changes: [GRChange]
    /// (PR_now - PR_ref) / PR_ref, PR_ref the detector's reference (normally the previous snapshot's PR).
    public var participationRatioChange: Double

    public init(trials: Int, previousTrials: Int, changes: [GRChange], participationRatioChange: Double) {
        self.trials = trials
        self.previousTrials = previousTrials
        self.changes = changes
        self.participationRatioChange = participationRatioChange
    }

    /// Whether any of the event's changes is one of `kinds`.
    public func involves(_ kinds: [GRChange]) -> Bool { changes.contains { kinds.contains($0) } }
}

/// Settings of the GR detector and of the timing test (ours; docs/tcr-and-geometry.md section 6).
public struct GRDetectorConfig: Codable, Equatable, Sendable {
    /// Relative PR change that counts as a jump.
    public var participationRatioJump = 0.25
    /// Whether changes in the number of stable fixed points / unstable fixed points / stable cycles count.
    public var attractorChanges = true
    public var stabilityChanges = true
    public var cycleChanges = true
    /// Snapshots a change must last to be an event: the new value is seen in this many consecutive
    /// snapshots (1: every flip counts, the detector before issue 9).
    public var persistence = 2
    /// The kinds whose events the timing ("GR precedes the escape") and the permutation test use.
    public var headline = GRChange.headlineDefault
    /// The permutation test's window: an event in one of the `leadWindow` snapshot intervals just
    /// before the escape's interval counts as leading into it.
    public var leadWindow = 3

    public init() {}

    enum CodingKeys: String, CodingKey {
        case participationRatioJump, attractorChanges, stabilityChanges, cycleChanges, persistence, headline, leadWindow
    }

    /// Settings stored before a field existed decode with its default.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        participationRatioJump = try c.decodeIfPresent(Double.self, forKey: .participationRatioJump) ?? participationRatioJump
        attractorChanges = try c.decodeIfPresent(Bool.self, forKey: .attractorChanges) ?? attractorChanges
        stabilityChanges = try c.decodeIfPresent(Bool.self, forKey: .stabilityChanges) ?? stabilityChanges
        cycleChanges = try c.decodeIfPresent(Bool.self, forKey: .cycleChanges) ?? cycleChanges
        persistence = try c.decodeIfPresent(Int.self, forKey: .persistence) ?? persistence
        headline = try c.decodeIfPresent([GRChange].self, forKey: .headline) ?? headline
        leadWindow = try c.decodeIfPresent(Int.self, forKey: .leadWindow) ?? leadWindow
    }

    public func validate(file: String? = nil) throws {
        if !(participationRatioJump > 0 && participationRatioJump.isFinite) {
            throw InputError.outOfRange("pr-jump", participationRatioJump, range: "> 0", file: file)
        }
        if persistence < 1 || persistence > 100 { throw InputError.outOfRange("persistence", Double(persistence), range: "1...100", file: file) }
        if leadWindow < 1 || leadWindow > 10_000 { throw InputError.outOfRange("lead-window", Double(leadWindow), range: "1...10000", file: file) }
        if headline.isEmpty { throw InputError.invalid("headline: empty; valid: one or more of \(GRChange.allCases.map(\.rawValue).joined(separator: ", "))", file: file) }
    }

    /// Whether the detector looks for `kind` at all.
    public func detects(_ kind: GRChange) -> Bool {
        switch kind {
        case .stableFixedPoints: return attractorChanges
        case .unstableFixedPoints: return stabilityChanges
        case .stableCycles: return cycleChanges
        case .participationRatio: return true
        }
    }
}

/// GR events over a run's snapshots (Haputhanthri et al. 2025: restructuring precedes the abrupt
/// drop). Their timing relative to the escape is `GREventTiming`.
public enum GeometricRestructuring {
    /// Persistent changes between snapshots (sorted by trials), one event per snapshot with any.
    ///
    /// A count (stable / unstable fixed points, stable cycles) changes at snapshot k when its value
    /// differs from the reference — the value before the last event, initially the first snapshot's —
    /// and the new value is seen in snapshots k ... k + persistence - 1; the reference becomes the new
    /// value. A value that flips and flips back within fewer snapshots is noise: no event, reference kept.
    /// The PR jumps at k when PR_k and the next persistence - 1 snapshots all differ from the
    /// reference PR by at least the threshold (relative, same direction); the reference is PR_{k-1}
    /// unless PR_{k-1} was a jump that did not last (then the value before it). A change in the last
    /// persistence - 1 snapshots cannot be confirmed and is not an event.
    public static func events(_ snapshots: [GeometrySnapshot], config: GRDetectorConfig = GRDetectorConfig()) -> [GREvent] {
        let sorted = snapshots.sorted { $0.trials < $1.trials }
        guard sorted.count >= 2 else { return [] }
        let m = max(config.persistence, 1)
        var changesAt = [[GRChange]](repeating: [], count: sorted.count)
        let counts: [(GRChange, [Int?])] = [
            (.stableFixedPoints, sorted.map(\.stableFixedPoints)),
            (.unstableFixedPoints, sorted.map(\.unstableFixedPoints)),
            // Cycles only where every snapshot was searched (older files have none).
            (.stableCycles, sorted.allSatisfy { $0.cycles != nil } ? sorted.map { $0.cycles?.stable } : []),
        ]
        for (kind, values) in counts where config.detects(kind) && !values.isEmpty {
            for k in persistentChanges(values.map { $0! }, persistence: m) { changesAt[k].append(kind) }
        }
        let pr = sorted.map(\.participationRatio)
        func relative(_ k: Int, from r: Int) -> Double {
            pr[r] > 0 ? (pr[k] - pr[r]) / pr[r] : (pr[k] > 0 ? .infinity : 0)
        }
        // The reference follows the PR while it moves by less than the threshold per snapshot, and
        // stays put over a jump that does not last (a spike), so the spike's return is no event either.
        var reference = 0
        var prChange = [Double](repeating: 0, count: sorted.count)
        for k in 1..<sorted.count {
            let change = relative(k, from: reference)
            prChange[k] = change
            guard abs(change) >= config.participationRatioJump else { reference = k; continue }
            guard k + m - 1 < sorted.count else { continue }
            let lasts = (k..<(k + m)).allSatisfy { i in
                let c = relative(i, from: reference)
                return abs(c) >= config.participationRatioJump && (c > 0) == (change > 0)
            }
            if lasts {
                changesAt[k].append(.participationRatio)
                reference = k
            }
        }
        return (1..<sorted.count).compactMap { k in
            guard !changesAt[k].isEmpty else { return nil }
            let ordered = GRChange.allCases.filter { changesAt[k].contains($0) }
            return GREvent(trials: sorted[k].trials, previousTrials: sorted[k - 1].trials, changes: ordered, participationRatioChange: prChange[k])
        }
    }

    /// Indices k >= 1 where a count changes persistently (see `events`).
    static func persistentChanges(_ values: [Int], persistence m: Int) -> [Int] {
        guard var reference = values.first else { return [] }
        var result: [Int] = []
        var k = 1
        while k + m - 1 < values.count {
            if values[k] != reference && values[k..<(k + m)].allSatisfy({ $0 == values[k] }) {
                result.append(k)
                reference = values[k]
            }
            k += 1
        }
        return result
    }
}
