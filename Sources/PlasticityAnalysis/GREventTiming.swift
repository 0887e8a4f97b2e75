/// One run's GR events against its escape from the plateau (docs/tcr-and-geometry.md section 6).
public struct GRRunTiming: Codable, Equatable, Sendable {
    /// The escape trial (from the learning-curve metrics).
    public var escapeTrial: Int
    /// Events of the headline kinds in the whole run.
    public var events: Int
    /// The last headline event strictly before the snapshot interval that contains the escape; nil if none.
    public var precedingEventTrial: Int?
    /// escapeTrial - precedingEventTrial (> 0); nil without a preceding event.
    public var lag: Int?
    /// A headline event in one of the `leadWindow` snapshot intervals just before the escape's interval.
    public var leads: Bool
    /// The probability of `leads` when the run's `events` events are placed uniformly at random,
    /// without repeats, among the snapshot times at which an event can be detected.
    public var chance: Double
}

/// "GR precedes the escape" across runs: how many runs have a headline event in the window just
/// before their escape, against the number expected when each run's events fall at random snapshot
/// times, with the exact one-sided permutation p-value.
public struct GRPrecedenceTest: Codable, Equatable, Sendable {
    /// Runs with an escape trial (the others cannot say anything about preceding it).
    public var runs: Int
    /// Of those, runs with a headline event in the window before the escape.
    public var leading: Int
    /// Expected `leading` under random placement: the sum of the runs' chances.
    public var expected: Double
    /// P(leading' >= leading) under random placement (1 when leading = 0).
    public var p: Double
}

/// When GR events happen relative to the escape, and whether that is more than chance.
///
/// An event is seen first at snapshot s_k (absent at s_{k-1}): it happened in the interval
/// (s_{k-1}, s_k]. The escape at trial E lies in the interval (s_{j-1}, s_j] (j the first snapshot
/// with s_j >= E). The event precedes the escape iff k < j, i.e. s_k < E: an event in the escape's own
/// interval does not precede it (the restructuring and the drop are not resolved in time).
public enum GREventTiming {
    /// The escape trial GR timing is measured against: the escape from the trivial-baseline plateau
    /// (`LearningMetrics.escapeTrial`; nil for a run that never sat on the plateau or never left it).
    public static func escapeTrial(_ metrics: LearningMetrics) -> Int? { metrics.escapeTrial }

    /// Headline events strictly before the escape's snapshot interval.
    public static func precedingEvents(_ events: [GREvent], escapeTrial: Int, kinds: [GRChange] = GRChange.headlineDefault) -> [GREvent] {
        events.filter { $0.involves(kinds) && $0.trials < escapeTrial }
    }

    /// Trials from the last headline event strictly before the escape's snapshot interval to the
    /// escape; nil without an escape or without such an event.
    public static func lag(
        events: [GREvent], snapshots: [GeometrySnapshot], escapeTrial: Int?, kinds: [GRChange] = GRChange.headlineDefault
    ) -> Int? {
        guard let escapeTrial, let t = timing(events: events, snapshots: snapshots, escapeTrial: escapeTrial, kinds: kinds) else { return nil }
        return t.lag
    }

    /// The run's timing; nil without an escape trial or with fewer than two snapshots.
    ///
    /// Snapshots s_0 < ... < s_K; an event needs `persistence` snapshots to be confirmed, so events
    /// can be seen at s_1 ... s_L, L = K - persistence + 1 (the eligible times). The window is the
    /// eligible times among s_{j-window} ... s_{j-1}.
    public static func timing(
        events: [GREvent], snapshots: [GeometrySnapshot], escapeTrial: Int?, kinds: [GRChange] = GRChange.headlineDefault,
        window: Int = GRDetectorConfig().leadWindow, persistence: Int = GRDetectorConfig().persistence
    ) -> GRRunTiming? {
        guard let escapeTrial else { return nil }
        let times = snapshots.map(\.trials).sorted()
        guard times.count >= 2 else { return nil }
        let headline = events.filter { $0.involves(kinds) }
        let preceding = headline.filter { $0.trials < escapeTrial }.max { $0.trials < $1.trials }
        let lastIndex = times.count - 1
        let eligible = max(lastIndex - max(persistence, 1) + 1, 0)  // L: slots 1...L
        let j = times.firstIndex { $0 >= escapeTrial } ?? times.count
        let first = max(j - window, 1), last = min(j - 1, eligible)
        let windowSize = max(last - first + 1, 0)
        let leads = headline.contains { e in
            guard let k = times.firstIndex(of: e.trials) else { return false }
            return first <= k && k <= last
        }
        return GRRunTiming(
            escapeTrial: escapeTrial, events: headline.count, precedingEventTrial: preceding?.trials,
            lag: preceding.map { escapeTrial - $0.trials }, leads: leads,
            chance: chanceOfHit(slots: eligible, window: windowSize, events: min(headline.count, eligible)))
    }

    /// P(at least one of `events` distinct slots drawn uniformly from `slots` falls in a fixed set of
    /// `window` of them) = 1 - C(slots - window, events) / C(slots, events).
    public static func chanceOfHit(slots: Int, window: Int, events: Int) -> Double {
        guard window > 0, events > 0, slots > 0 else { return 0 }
        if slots - window < events { return 1 }
        var miss = 1.0
        for t in 0..<events { miss *= Double(slots - window - t) / Double(slots - t) }
        return 1 - miss
    }

    /// The permutation test across runs. Statistic: the number of runs with a headline event in the
    /// window before the escape. Null: each run's events at random eligible snapshot times (same number
    /// per run, independently across runs), under which the statistic is a sum of independent
    /// Bernoulli(chance_i); its exact distribution (Poisson binomial) gives the p-value, so no random
    /// permutations are drawn. The statistic is discrete, so p is conservative: P(p <= a) <= a.
    public static func precedenceTest(_ runs: [GRRunTiming]) -> GRPrecedenceTest {
        let observed = runs.filter(\.leads).count
        // dp[c] = P(c of the runs so far lead) under the null.
        var dp = [1.0]
        for r in runs {
            var next = [Double](repeating: 0, count: dp.count + 1)
            for (c, q) in dp.enumerated() {
                next[c] += q * (1 - r.chance)
                next[c + 1] += q * r.chance
            }
            dp = next
        }
        let p = observed == 0 ? 1 : min(1, dp[observed...].reduce(0, +))
        return GRPrecedenceTest(runs: runs.count, leading: observed, expected: runs.reduce(0) { $0 + $1.chance }, p: p)
    }
}
