/// Which curriculum (Khajehabdollahi et al. 2024; docs/curricula.md).
public enum CurriculumKind: String, CaseIterable, Codable, Sendable {
    /// One readout head; when it passes, N grows by one and the same head answers the new N.
    case singleHead = "single-head"
    /// One head per N from the first N to N_max (their "cumulative"); when all pass, a head for N_max + 1 joins.
    case multiHead = "multi-head"
    /// `window` heads for consecutive N; when all pass, the oldest `step` are dropped and as many new N join.
    case sliding
}

/// Which network a curriculum cell's robustness analyses score.
public enum RobustnessNetwork: String, CaseIterable, Codable, Sendable {
    /// The network as it was when its last stage passed (the paper's: the network saved at N). A
    /// single-head network has moved on to N + 1 by the end of training, so its final state answers
    /// the last passed N at chance, and damage to it would measure forgetting, not robustness.
    case lastPass = "last-pass"
    /// The network at the end of training.
    case final
}

/// How a curriculum runs, beside the run's own settings (model, rule, optimiser, batch and budget
/// come from its `RunSpec`: `maxTrials` is the budget of the whole curriculum).
public struct CurriculumConfig: Codable, Equatable, Sendable {
    public var kind: CurriculumKind = .multiHead
    /// The N the curriculum starts from (theirs: 2).
    public var firstN = 2
    /// The largest N it may reach: a multi-head network allocates heads for firstN...maxN up front
    /// (their 100 heads); the curriculum is complete when a stage with this N passes.
    public var maxN = 30
    /// Sliding: heads in the window (k) and heads replaced per advance (s); theirs 10 and 5.
    public var window = 10
    public var step = 5
    /// A stage passes when, on fresh data, the mean accuracy over its heads and the accuracy of its
    /// largest-N head both exceed this (theirs: 98%).
    public var threshold = 0.98
    /// Trials between checks, rounded up to whole batches (theirs: an epoch of 600 batches).
    public var checkEvery = 512
    /// Fresh trials per check (theirs: 50 batches of 256).
    public var testSize = 256
    /// At each pass: how many N beyond the stage's largest the generalisation test covers.
    public var beyond = 5
    /// At each stage: the stream measures' length in kept steps and their trials (docs/curricula.md,
    /// "Timescales as N grows"); 0 in either turns the measuring off. Small by default (their code:
    /// 10^5 × 10) so a stage costs well under a second at N = 32.
    public var timescaleSteps = 20_000
    public var timescaleTrials = 5
    /// How each neuron's one or two exponentials are chosen (docs/timescales.md); theirs: `.aic`.
    public var timescaleSelection = DecaySelection.guarded
    /// The network the protocol's robustness analyses score.
    public var robustnessNetwork = RobustnessNetwork.lastPass

    public init() {}

    /// Whether each stage's network is measured.
    public var measuresTimescales: Bool { timescaleSteps > 0 && timescaleTrials > 0 }

    enum CodingKeys: String, CodingKey {
        case kind, firstN, maxN, window, step, threshold, checkEvery, testSize, beyond, timescaleSteps, timescaleTrials
        case timescaleSelection, robustnessNetwork
    }

    /// Missing keys take their defaults (specs stored before a key existed still decode), except the
    /// two added last, which take what the code did before them: plain AIC, the final network.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = CurriculumConfig()
        kind = try c.decodeIfPresent(CurriculumKind.self, forKey: .kind) ?? d.kind
        firstN = try c.decodeIfPresent(Int.self, forKey: .firstN) ?? d.firstN
        maxN = try c.decodeIfPresent(Int.self, forKey: .maxN) ?? d.maxN
        window = try c.decodeIfPresent(Int.self, forKey: .window) ?? d.window
        step = try c.decodeIfPresent(Int.self, forKey: .step) ?? d.step
        threshold = try c.decodeIfPresent(Double.self, forKey: .threshold) ?? d.threshold
        checkEvery = try c.decodeIfPresent(Int.self, forKey: .checkEvery) ?? d.checkEvery
        testSize = try c.decodeIfPresent(Int.self, forKey: .testSize) ?? d.testSize
        beyond = try c.decodeIfPresent(Int.self, forKey: .beyond) ?? d.beyond
        timescaleSteps = try c.decodeIfPresent(Int.self, forKey: .timescaleSteps) ?? d.timescaleSteps
        timescaleTrials = try c.decodeIfPresent(Int.self, forKey: .timescaleTrials) ?? d.timescaleTrials
        timescaleSelection = try c.decodeIfPresent(DecaySelection.self, forKey: .timescaleSelection) ?? .aic
        robustnessNetwork = try c.decodeIfPresent(RobustnessNetwork.self, forKey: .robustnessNetwork) ?? .final
    }

    public init(kind: CurriculumKind) { self.kind = kind }

    /// Readout heads the network needs: one, one per N up to maxN, or the window.
    public var heads: Int {
        switch kind {
        case .singleHead: return 1
        case .multiHead: return maxN - firstN + 1
        case .sliding: return window
        }
    }

    /// The N of the first stage.
    public var firstStage: ClosedRange<Int> {
        kind == .sliding ? firstN...(firstN + window - 1) : firstN...firstN
    }

    /// The stage after `stage` passed, or nil when the curriculum is complete (it would pass maxN).
    public func next(after stage: ClosedRange<Int>) -> ClosedRange<Int>? {
        let next: ClosedRange<Int>
        switch kind {
        case .singleHead: next = (stage.lowerBound + 1)...(stage.upperBound + 1)
        case .multiHead: next = stage.lowerBound...(stage.upperBound + 1)
        case .sliding: next = (stage.lowerBound + step)...(stage.upperBound + step)
        }
        return next.upperBound <= maxN ? next : nil
    }

    /// Checks every value; `family` is the task the curriculum steps through.
    public func validate(family: MemoryTaskFamily, file: String? = nil) throws {
        // The key as the user wrote it: a protocol's `[curriculum]` key, or the `train` option.
        func key(_ name: String, _ option: String) -> String { file == nil ? "--" + option : "curriculum.\(name)" }
        if firstN < family.smallestN || firstN > 1000 {
            throw InputError.outOfRange("first-N", Double(firstN), range: "\(family.smallestN)...1000 for \(family.rawValue)", file: file, key: key("first-N", "first-n"))
        }
        if maxN < firstN || maxN > 1000 { throw InputError.outOfRange("max-N", Double(maxN), range: "\(firstN)...1000 (at least first-N)", file: file, key: key("max-N", "max-n")) }
        if kind == .sliding {
            if window < 1 || firstN + window - 1 > maxN {
                throw InputError.outOfRange("window", Double(window), range: "1...\(maxN - firstN + 1) (first-N + window - 1 <= max-N)", file: file, key: key("window", "window"))
            }
            if step < 1 || step > window { throw InputError.outOfRange("step", Double(step), range: "1...\(window) (at most the window)", file: file, key: key("step", "window-step")) }
        }
        if !(threshold > 0 && threshold < 1) { throw InputError.outOfRange("threshold", threshold, range: "0 < threshold < 1", file: file, key: key("threshold", "pass-threshold")) }
        if checkEvery < 1 { throw InputError.outOfRange("check-every", Double(checkEvery), range: ">= 1", file: file, key: key("check-every", "check-every")) }
        if testSize < 1 || testSize > 65_536 { throw InputError.outOfRange("test-size", Double(testSize), range: "1...65536", file: file, key: key("test-size", "test-size")) }
        if beyond < 0 || beyond > 100 { throw InputError.outOfRange("beyond", Double(beyond), range: "0...100", file: file, key: key("beyond", "beyond")) }
        if timescaleSteps < 0 || timescaleSteps > 10_000_000 {
            throw InputError.outOfRange("timescale-steps", Double(timescaleSteps), range: "0...10000000 (0 = off)", file: file, key: key("timescale-steps", "timescale-steps"))
        }
        if timescaleTrials < 0 || timescaleTrials > 1000 {
            throw InputError.outOfRange("timescale-trials", Double(timescaleTrials), range: "0...1000 (0 = off)", file: file, key: key("timescale-trials", "timescale-trials"))
        }
    }
}
