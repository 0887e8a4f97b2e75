import Foundation

/// The `[geometry]` analysis of a protocol: snapshots of the network's phase-space structure at
/// checkpoints through training (`GeometryProbe`), GR events between them, their timing against the
/// escape from the plateau (`GREventTiming`), and the final network's fixed points for a picture.
/// Leaky RNNs only (the fixed-point search is written for their map; `ExperimentProtocol.validate`
/// refuses other models).
public struct GeometryAnalysis: Codable, Equatable, Sendable {
    /// Snapshot every k-th evaluation (1: every one; trial 0 always, the final network always).
    public var every = 1
    /// Initial states of the fixed-point search.
    public var starts = FixedPointOptions().starts
    /// Trials in the fixed probe batch (PCA and fixed-point starts).
    public var probeTrials = 32
    /// Probe trials kept as lines of the fixed-point picture.
    public var paths = 8
    public var detector = GRDetectorConfig()
    /// The periodic-attractor search of each snapshot; nil: not searched (`cycles = false`, or a
    /// protocol stored before the search existed).
    public var cycles: CycleOptions? = CycleOptions()

    public init() {}

    enum CodingKeys: String, CodingKey { case every, starts, probeTrials, paths, detector, cycles }

    /// Settings stored before a field existed decode with its default; a missing `cycles` means no search.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        every = try c.decodeIfPresent(Int.self, forKey: .every) ?? every
        starts = try c.decodeIfPresent(Int.self, forKey: .starts) ?? starts
        probeTrials = try c.decodeIfPresent(Int.self, forKey: .probeTrials) ?? probeTrials
        paths = try c.decodeIfPresent(Int.self, forKey: .paths) ?? paths
        detector = try c.decodeIfPresent(GRDetectorConfig.self, forKey: .detector) ?? detector
        cycles = try c.decodeIfPresent(CycleOptions.self, forKey: .cycles)
    }

    public func validate(file: String? = nil) throws {
        if every < 1 || every > 1_000_000 { throw InputError.outOfRange("every", Double(every), range: "1...1000000", file: file, key: "geometry.every") }
        if starts < 1 || starts > 10_000 { throw InputError.outOfRange("starts", Double(starts), range: "1...10000", file: file, key: "geometry.starts") }
        if probeTrials < 1 || probeTrials > 4096 {
            throw InputError.outOfRange("probe-trials", Double(probeTrials), range: "1...4096", file: file, key: "geometry.probe-trials")
        }
        if paths < 0 || paths > probeTrials {
            throw InputError.outOfRange("paths", Double(paths), range: "0...probe-trials (\(probeTrials))", file: file, key: "geometry.paths")
        }
        do { try detector.validate(file: file) } catch let error as InputError {
            // The detector names its keys bare; in a protocol they live in [geometry].
            var message = error.message
            for key in ["pr-jump", "persistence", "lead-window", "headline"] {
                message = message.replacingOccurrences(of: "\(key):", with: "geometry.\(key):")
            }
            throw InputError(message)
        }
        try cycles?.validate(file: file)
    }

    /// The probe of one run: its batch and fixed-point starts come from the run's seed only.
    public func probe(task: any Task, seed: UInt64) -> GeometryProbe {
        var options = FixedPointOptions()
        options.starts = starts
        return GeometryProbe(task: task, size: probeTrials, seed: seed, options: options, cycleOptions: cycles)
    }

    /// A recorder to hand to the trainer's checkpoint callback.
    public func recorder(task: any Task, seed: UInt64) -> GeometryRecorder {
        GeometryRecorder(analysis: self, probe: probe(task: task, seed: seed))
    }
}

/// A fixed or slow point of the final network on the first two principal components of the probe's states.
public struct ProjectedFixedPoint: Codable, Equatable, Sendable {
    /// Stability as a point of the map (|lambda| < 1), as the search classifies it.
    public enum Kind: String, Codable, Sendable, CaseIterable { case stable, unstable, slow }
    public var kind: Kind
    /// q(h) = ½||F(h) - h||².
    public var speed: Double
    /// Eigenvalues of the Jacobian with |lambda| >= 1.
    public var unstableDirections: Int
    public var pc1: Double
    public var pc2: Double
    /// ||dh/dt||₂ = ||F(h) - h||₂ as an equilibrium of the ODE (`FixedPoint.odeResidual`); nil in a
    /// results file written before it was measured.
    public var odeResidual: Double?
    /// Eigenvalues of the vector field's Jacobian J - I with real part >= 0; nil likewise.
    public var odeUnstableDirections: Int?

    public init(
        kind: Kind, speed: Double, unstableDirections: Int, pc1: Double, pc2: Double,
        odeResidual: Double? = nil, odeUnstableDirections: Int? = nil
    ) {
        self.kind = kind
        self.speed = speed
        self.unstableDirections = unstableDirections
        self.pc1 = pc1
        self.pc2 = pc2
        self.odeResidual = odeResidual
        self.odeUnstableDirections = odeUnstableDirections
    }

    /// A fixed point unstable as a point of the map but stable as an equilibrium of the ODE.
    public var isStableOnlyUnderODE: Bool { kind == .unstable && odeUnstableDirections == 0 }
}

/// One probe trial's states h_0 ... h_T on the first two principal components.
public struct ProjectedPath: Codable, Equatable, Sendable {
    public var pc1: [Double]
    public var pc2: [Double]

    public init(pc1: [Double], pc2: [Double]) {
        self.pc1 = pc1
        self.pc2 = pc2
    }
}

/// What the geometry analysis of one run found.
public struct GeometryResult: Codable, Equatable, Sendable {
    public var snapshots: [GeometrySnapshot]
    /// Persistent events of every kind the detector looks for.
    public var events: [GREvent]
    /// Trials of the last headline event strictly before the escape's snapshot interval; nil when
    /// none precedes it (or the run has no escape).
    public var eventTrial: Int?
    /// Trials from that event to the escape (`GREventTiming.lag`); nil without an event.
    public var lag: Int?
    /// The run's timing for the permutation test (nil without an escape; not stored row by row:
    /// its parts are the metrics `gr-lead` and `gr-lead-chance`, and reports recompute it).
    public var timing: GRRunTiming?
    /// The detector settings the events and timing were computed with (headline kinds, window, persistence).
    public var detector = GRDetectorConfig()
    /// The final network's fixed and slow points, projected for the picture.
    public var finalPoints: [ProjectedFixedPoint]
    /// A few probe trials of the final network, projected onto the same components.
    public var paths: [ProjectedPath]

    public init(
        snapshots: [GeometrySnapshot], events: [GREvent], eventTrial: Int?, lag: Int?,
        finalPoints: [ProjectedFixedPoint], paths: [ProjectedPath], timing: GRRunTiming? = nil,
        detector: GRDetectorConfig = GRDetectorConfig()
    ) {
        self.snapshots = snapshots
        self.events = events
        self.eventTrial = eventTrial
        self.lag = lag
        self.finalPoints = finalPoints
        self.paths = paths
        self.timing = timing
        self.detector = detector
    }

    /// Events and their timing against `escapeTrial`, from snapshots and the final picture.
    public init(
        snapshots: [GeometrySnapshot], escapeTrial: Int?, detector: GRDetectorConfig,
        finalPoints: [ProjectedFixedPoint], paths: [ProjectedPath]
    ) {
        let events = GeometricRestructuring.events(snapshots, config: detector)
        let timing = GREventTiming.timing(
            events: events, snapshots: snapshots, escapeTrial: escapeTrial, kinds: detector.headline,
            window: detector.leadWindow, persistence: detector.persistence)
        self.init(
            snapshots: snapshots.sorted { $0.trials < $1.trials }, events: events, eventTrial: timing?.precedingEventTrial,
            lag: timing?.lag, finalPoints: finalPoints, paths: paths, timing: timing, detector: detector)
    }
}

/// Collects snapshots from the trainer's checkpoint callback (which cannot throw: a failure is kept
/// and rethrown by `finish`) and measures the time they take, so it can be counted as analysis.
public final class GeometryRecorder {
    public let analysis: GeometryAnalysis
    public let probe: GeometryProbe
    public private(set) var snapshots: [GeometrySnapshot] = []
    /// Seconds spent in snapshots (inside the trainer's wall time).
    public private(set) var seconds = 0.0
    private var evaluations = 0
    private var lastCheckpoint: (trials: Int, loss: Double)?
    private var failure: Error?

    init(analysis: GeometryAnalysis, probe: GeometryProbe) {
        self.analysis = analysis
        self.probe = probe
    }

    /// The trainer's checkpoint: a snapshot at every `every`-th evaluation with a finite loss
    /// (a diverging network has no geometry worth a fixed-point search).
    public func checkpoint(trials: Int, model: any RecurrentModel, evaluation: Evaluation) {
        defer { evaluations += 1 }
        lastCheckpoint = (trials, evaluation.loss)
        guard failure == nil, evaluations % analysis.every == 0, evaluation.loss.isFinite else { return }
        let start = Date()
        do { snapshots.append(try probe.snapshot(model: model, trials: trials, loss: evaluation.loss)) } catch { failure = error }
        seconds += Date().timeIntervalSince(start)
    }

    /// The result for the trained `model` (the network of the last checkpoint): its fixed points
    /// projected for the picture, a final snapshot when `every` skipped the last evaluation, and
    /// the GR events with their timing against `escapeTrial` (the learning-curve metrics' escape).
    public func finish(model: any RecurrentModel, escapeTrial: Int?) throws -> GeometryResult {
        if let failure { throw failure }
        let start = Date()
        defer { seconds += Date().timeIntervalSince(start) }
        let final = try probe.analyse(model: model)
        if let last = lastCheckpoint, snapshots.last?.trials != last.trials {
            snapshots.append(final.snapshot(trials: last.trials, loss: last.loss))
        }
        let dimensions = min(2, final.pca.components.count)
        func plane(_ h: [Double]) -> (Double, Double) {
            let c = final.pca.project(h, dimensions: dimensions)
            return (c.first ?? 0, c.count > 1 ? c[1] : 0)
        }
        let points = final.points.map { p -> ProjectedFixedPoint in
            let (x, y) = plane(p.state)
            let kind: ProjectedFixedPoint.Kind = !p.isFixed ? .slow : (p.isStable ? .stable : .unstable)
            return ProjectedFixedPoint(
                kind: kind, speed: p.speed, unstableDirections: p.unstableDirections, pc1: x, pc2: y,
                odeResidual: p.odeResidual, odeUnstableDirections: p.odeUnstableDirections)
        }
        let t = final.trajectory, n = t.states.width
        let paths = (0..<min(analysis.paths, t.batch)).map { b -> ProjectedPath in
            let xy = (0...t.steps).map { step in plane((0..<n).map { t.states[step, b, $0] }) }
            return ProjectedPath(pc1: xy.map(\.0), pc2: xy.map(\.1))
        }
        return GeometryResult(snapshots: snapshots, escapeTrial: escapeTrial, detector: analysis.detector, finalPoints: points, paths: paths)
    }
}
