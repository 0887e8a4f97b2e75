/// The current strength lambda_TCR of temporal consistency regularisation for one run.
/// A reference so that a schedule (`TCRSchedule`) can change lambda between batches without
/// rebuilding the rule that holds the `Objective`. One per run, used by one thread at a time.
public final class TCRStrength: @unchecked Sendable {
    public var lambda: Double
    public init(lambda: Double) { self.lambda = lambda }
}

/// Temporal consistency regularisation (TCR, Haputhanthri et al. 2025; our operational form, docs/science.md):
///
///   R = lambda · (1 / (T·B·N)) · sum_{t=1..T} sum_b || h_t^b - h_{t-1}^b ||²
///
/// Normalisation (ours): a mean over steps, batch elements and neurons, so R scales like the task
/// loss (itself a mean over masked (t, b) pairs) and lambda means the same for any T, B, N.
/// Every step counts, masked or not: the penalty is about the dynamics, not the readout.
/// h_0 is the fixed initial state, so the t = 1 term penalises the first jump away from it.
///
/// Its derivative w.r.t. the states, for 1 <= t < T:
///   dR/dh_t = (2 lambda / (T·B·N)) · (2 h_t - h_{t-1} - h_{t+1})
/// and at t = T only the backward difference: (2 lambda / (T·B·N)) · (h_T - h_{T-1}).
/// Each component involves only neuron j's own rate at three times: it is local, so trace rules
/// (e-prop, RFLO) can add it to their learning signal (`localLearningSignal`).
public enum TemporalConsistency {
    public static let cost = "compute O(B·N) per step on top of the rule (one pass over the stored states); memory (T+1)·B·N for dR/dh in bptt, tbptt and rtrl, B·N for e-prop/RFLO's learning-signal term, none for perturbation rules"

    /// T·B·N, the divisor of the penalty.
    public static func normalisation(steps: Int, batch: Int, neurons: Int) -> Double {
        Double(max(steps * batch * neurons, 1))
    }

    /// R for the first `steps` steps of `states` ((T+1) × B × N, slice 0 = h_0). When `gradient` is
    /// given (same shape as `states`), writes dR/dh_t into slices 1...T and zeroes slice 0 (h_0 is fixed).
    /// `window` k (truncated BPTT): the state h_mk entering a window is a constant of that window, so
    /// the term (h_mk+1 - h_mk)² contributes nothing to dR/dh_mk — the gradient stays within windows.
    @discardableResult
    public static func evaluate(
        states: Tensor3, steps: Int, lambda: Double, window: Int? = nil, gradient: UnsafeMutablePointer<Double>? = nil
    ) -> Double {
        precondition(states.steps >= steps + 1, "states must hold h_0 ... h_T")
        let slice = states.batch * states.width
        let scale = lambda / normalisation(steps: steps, batch: states.batch, neurons: states.width)
        var sum = 0.0
        states.data.withUnsafeBufferPointer { H in
            let h = H.baseAddress!
            if let gradient { for i in 0..<slice { gradient[i] = 0 } }
            for t in stride(from: 1, through: steps, by: 1) {
                let now = h + t * slice, prev = now - slice
                let g = gradient.map { $0 + t * slice }
                let hasNext = t < steps && (window.map { t % $0 != 0 } ?? true)
                for i in 0..<slice {
                    let back = now[i] - prev[i]
                    sum += back * back
                    if let g {
                        // d/dh_t of (h_t - h_{t-1})² + (h_{t+1} - h_t)²
                        g[i] = 2 * scale * (hasNext ? back - (now[i + slice] - now[i]) : back)
                    }
                }
            }
        }
        return scale * sum
    }

    /// R of a forward pass (0 when lambda is 0): the term perturbation rules add to their scalar loss.
    public static func penalty(_ trajectory: Trajectory, lambda: Double) -> Double {
        lambda == 0 ? 0 : evaluate(states: trajectory.states, steps: trajectory.steps, lambda: lambda)
    }

    /// Each trial's share of R (they sum to `penalty`), added to `losses[b]`: the per-trial scalar
    /// reward of node perturbation then judges each trial's noise by its task loss and its TCR term.
    public static func addPerTrial(_ trajectory: Trajectory, lambda: Double, to losses: inout [Double]) {
        guard lambda != 0 else { return }
        let steps = trajectory.steps, batch = trajectory.batch, n = trajectory.states.width, slice = batch * n
        precondition(losses.count >= batch)
        let scale = lambda / normalisation(steps: steps, batch: batch, neurons: n)
        trajectory.states.data.withUnsafeBufferPointer { H in
            for b in 0..<batch {
                var sum = 0.0
                for t in stride(from: 1, through: steps, by: 1) {
                    let now = H.baseAddress! + t * slice + b * n, prev = now - slice
                    for j in 0..<n {
                        let d = now[j] - prev[j]
                        sum += d * d
                    }
                }
                losses[b] += scale * sum
            }
        }
    }

    /// R of a forward pass, with dR/dh_t written into `stateGradient` ((T+1) × B × N, slice 0 zero),
    /// ready for `RecurrentModel.backward(..., stateGradient:)`; `window` as in `evaluate`.
    /// Grows the buffer only if too short.
    @discardableResult
    public static func stateGradient(
        _ trajectory: Trajectory, lambda: Double, window: Int? = nil, into stateGradient: inout Tensor3
    ) -> Double {
        precondition(stateGradient.batch == trajectory.batch && stateGradient.width == trajectory.states.width)
        stateGradient.resize(steps: trajectory.steps + 1)
        return stateGradient.data.withUnsafeMutableBufferPointer { g in
            evaluate(states: trajectory.states, steps: trajectory.steps, lambda: lambda, window: window, gradient: g.baseAddress!)
        }
    }

    /// dR/dh_t for one step t in 1...T (B × N, written to `signal`): the local term trace rules add to
    /// their learning signal L_j,t. It needs h_{t+1}, so an online rule applies it one step late.
    public static func localLearningSignal(
        _ trajectory: Trajectory, step t: Int, lambda: Double, into signal: UnsafeMutablePointer<Double>
    ) {
        let steps = trajectory.steps, states = trajectory.states
        precondition(t >= 1 && t <= steps, "step must be in 1...T")
        let slice = states.batch * states.width
        let scale = 2 * lambda / normalisation(steps: steps, batch: states.batch, neurons: states.width)
        states.data.withUnsafeBufferPointer { H in
            let now = H.baseAddress! + t * slice, prev = now - slice
            if t < steps {
                let next = now + slice
                for i in 0..<slice { signal[i] = scale * (2 * now[i] - prev[i] - next[i]) }
            } else {
                for i in 0..<slice { signal[i] = scale * (now[i] - prev[i]) }
            }
        }
    }
}
