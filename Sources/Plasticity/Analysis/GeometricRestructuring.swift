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

    public init(
        trials: Int, stableFixedPoints: Int, unstableFixedPoints: Int, slowPoints: Int,
        participationRatio: Double, dimension90: Int, loss: Double? = nil
    ) {
        self.trials = trials
        self.stableFixedPoints = stableFixedPoints
        self.unstableFixedPoints = unstableFixedPoints
        self.slowPoints = slowPoints
        self.participationRatio = participationRatio
        self.dimension90 = dimension90
        self.loss = loss
    }
}

/// A fixed probe batch and the settings to take snapshots of one run: every snapshot of the run sees
/// the same inputs and the same fixed-point starts' noise, so differences come from the weights only.
public struct GeometryProbe: Sendable {
    public let batch: Batch
    public var options: FixedPointOptions
    /// Initial steps left out of the covariance (the transient from h_0 = 0).
    public var skip: Int
    public let seed: UInt64

    public init(task: any Task, size: Int = 32, seed: UInt64, options: FixedPointOptions = FixedPointOptions(), skip: Int? = nil) {
        batch = task.batch(size: size, using: RandomSource(seed: seed, stream: "geometry/probe"))
        self.options = options
        self.seed = seed
        self.skip = skip ?? batch.steps / 10
    }

    /// The probe's trajectory, the PCA of its states and the fixed points (constant input 0) started
    /// from them: what a snapshot counts and what a fixed-point picture draws.
    public func analyse(model: any RecurrentModel) throws -> ProbedGeometry {
        var trajectory = model.makeTrajectory(capacity: batch.steps, batch: batch.size)
        model.forward(batch.inputs, into: &trajectory)
        let pca = try Geometry.principalComponents(of: Geometry.stateSamples(trajectory, skip: skip))
        let starts = FixedPointFinder.initialStates(
            from: trajectory, count: options.starts, noise: options.startNoise,
            rng: RandomSource(seed: seed, stream: "geometry/starts"))
        let points = try FixedPointFinder.find(model: model, starts: starts, options: options)
        return ProbedGeometry(trajectory: trajectory, pca: pca, points: points)
    }

    /// Fixed points (constant input 0, started from probe states) and PCA of the probe's states.
    public func snapshot(model: any RecurrentModel, trials: Int, loss: Double? = nil) throws -> GeometrySnapshot {
        try analyse(model: model).snapshot(trials: trials, loss: loss)
    }
}

/// One network seen through a probe: its states on the probe batch, their PCA, and its fixed and slow points.
public struct ProbedGeometry: Sendable {
    public var trajectory: Trajectory
    public var pca: PrincipalComponents
    public var points: [FixedPoint]

    public func snapshot(trials: Int, loss: Double? = nil) -> GeometrySnapshot {
        let counts = AttractorCounts(points)
        return GeometrySnapshot(
            trials: trials, stableFixedPoints: counts.stableFixedPoints, unstableFixedPoints: counts.unstableFixedPoints,
            slowPoints: counts.slowPoints, participationRatio: pca.participationRatio,
            dimension90: pca.componentsToExplain(0.9), loss: loss)
    }
}

/// What changed between two consecutive snapshots.
public enum GRChange: String, Codable, Sendable, CaseIterable {
    /// The number of stable fixed points (attractors) changed.
    case attractors
    /// The number of unstable fixed points (saddles, repellers) changed: stability restructured.
    case stability
    /// The participation ratio jumped by at least the relative threshold.
    case participationRatio = "participation-ratio"
}

/// A geometric-restructuring event: seen first in the snapshot at `trials`, absent at `previousTrials`.
public struct GREvent: Codable, Equatable, Sendable {
    public var trials: Int
    public var previousTrials: Int
    public var changes: [GRChange]
    /// (PR_now - PR_before) / PR_before.
    public var participationRatioChange: Double
}

/// Thresholds of the GR detector (ours; docs/tcr-and-geometry.md).
public struct GRDetectorConfig: Codable, Equatable, Sendable {
    /// Relative PR change between consecutive snapshots that counts as a jump.
    public var participationRatioJump = 0.25
    /// Whether changes in the number of stable / unstable fixed points count.
    public var attractorChanges = true
    public var stabilityChanges = true

    public init() {}

    public func validate(file: String? = nil) throws {
        if !(participationRatioJump > 0 && participationRatioJump.isFinite) {
            throw InputError.outOfRange("pr-jump", participationRatioJump, range: "> 0", file: file)
        }
    }
}

/// GR events over a run's snapshots and their timing relative to the loss drop (Haputhanthri et al.
/// 2025: restructuring precedes the abrupt drop). The drop trial comes from the learning-curve metrics.
public enum GeometricRestructuring {
    /// Events between consecutive snapshots (sorted by trials), in order.
    public static func events(_ snapshots: [GeometrySnapshot], config: GRDetectorConfig = GRDetectorConfig()) -> [GREvent] {
        let sorted = snapshots.sorted { $0.trials < $1.trials }
        return zip(sorted, sorted.dropFirst()).compactMap { before, now in
            var changes: [GRChange] = []
            if config.attractorChanges && now.stableFixedPoints != before.stableFixedPoints { changes.append(.attractors) }
            if config.stabilityChanges && now.unstableFixedPoints != before.unstableFixedPoints { changes.append(.stability) }
            let prChange = before.participationRatio > 0
                ? (now.participationRatio - before.participationRatio) / before.participationRatio
                : (now.participationRatio > 0 ? .infinity : 0)
            if abs(prChange) >= config.participationRatioJump { changes.append(.participationRatio) }
            return changes.isEmpty ? nil : GREvent(
                trials: now.trials, previousTrials: before.trials, changes: changes, participationRatioChange: prChange)
        }
    }

    /// The restructuring that leads into the drop: the last event at or before `dropTrial`; nil if none precedes it.
    public static func precedingEvent(_ events: [GREvent], dropTrial: Int) -> GREvent? {
        events.filter { $0.trials <= dropTrial }.max { $0.trials < $1.trials }
    }

    /// Trials from the GR event to the loss drop: positive when restructuring precedes the drop.
    public static func lag(event: GREvent, dropTrial: Int) -> Int { dropTrial - event.trials }
}
