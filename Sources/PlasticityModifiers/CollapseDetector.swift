/// Detects the failure mode of strong TCR (the limitation Haputhanthri et al. 2025 note for freeze-in):
/// the network collapses onto one trivial fixed point, so every trial ends in the same state
/// whatever its input. A pure function of a validation trajectory.
public enum CollapseDetector {
    /// Default threshold on `relativeSpread`: final states closer together than 1% of their norm.
    public static let defaultThreshold = 0.01

    /// Spread of the final states h_T^b across the batch relative to their size:
    ///   sqrt(mean_b ||h_T^b - mean||²) / sqrt(mean_b ||h_T^b||²)
    /// 0 when all trials end in one point (also when that point is h = 0); about 1 for unrelated states.
    public static func relativeSpread(_ trajectory: Trajectory) -> Double {
        let t = trajectory.steps, batch = trajectory.batch, n = trajectory.states.width
        guard batch > 1, n > 0 else { return 0 }
        let states = trajectory.states
        var spread = 0.0, size = 0.0
        for j in 0..<n {
            var mean = 0.0
            for b in 0..<batch { mean += states[t, b, j] }
            mean /= Double(batch)
            for b in 0..<batch {
                let h = states[t, b, j]
                spread += (h - mean) * (h - mean)
                size += h * h
            }
        }
        // An all-zero batch has no spread at all: collapsed, not 0/0.
        return size == 0 ? 0 : (spread / size).squareRoot()
    }

    /// True when all trajectories of the batch converge to one point.
    public static func isCollapsed(_ trajectory: Trajectory, threshold: Double = defaultThreshold) -> Bool {
        relativeSpread(trajectory) < threshold
    }
}
