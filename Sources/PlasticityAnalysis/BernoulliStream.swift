import Dense

/// The long input stream the ICLR 2024 code measures a trained network with (`make_binary_data`):
/// each trial draws its own rate p ~ U(0, 1) once, then every input channel carries bits ~ Bernoulli(p)
/// at every step. The network runs on it in segments of `segment` kept steps, each started from the
/// model's initial state and run `discard` steps first so the kept states are past the transient;
/// memory stays (discard + segment) × trials × N whatever the stream's length.
public struct BernoulliStream: Sendable {
    /// Kept steps per trial (theirs: 10^5).
    public var steps: Int
    /// Steps run and dropped before each segment's kept ones (theirs: 500, once).
    public var discard: Int
    /// Independent trials, each with its own p (theirs: 10).
    public var trials: Int
    /// Kept steps per segment.
    public var segment: Int
    public var seed: UInt64

    public init(steps: Int = 100_000, discard: Int = 500, trials: Int = 10, segment: Int = 5_000, seed: UInt64) {
        precondition(steps > 0 && discard >= 0 && trials > 0 && segment > 0)
        self.steps = steps
        self.discard = discard
        self.trials = trials
        self.segment = segment
        self.seed = seed
    }

    /// Runs `model` on the stream and hands each segment's kept states to `visit`:
    /// (states, kept steps), state t of trial b, neuron j at `states[(t * trials + b) * N + j]`.
    public func drive(_ model: any RecurrentModel, _ visit: (UnsafePointer<Double>, Int) throws -> Void) rethrows {
        let rates = RandomSource(seed: seed, stream: "bernoulli-stream/rates")
        let bits = RandomSource(seed: seed, stream: "bernoulli-stream/bits")
        let p = (0..<trials).map { _ in rates.uniform() }
        let nIn = model.inputSize, slice = trials * model.hiddenSize
        var inputs = Tensor3(steps: discard + min(segment, steps), batch: trials, width: nIn)
        var trajectory = model.makeTrajectory(capacity: inputs.steps, batch: trials)
        var done = 0
        while done < steps {
            let kept = min(segment, steps - done)
            inputs.resize(steps: discard + kept)
            for t in 0..<inputs.steps {
                for b in 0..<trials {
                    for i in 0..<nIn { inputs[t, b, i] = bits.bernoulli(p[b]) ? 1 : 0 }
                }
            }
            trajectory.prepare(steps: inputs.steps)
            model.forward(inputs, into: &trajectory)
            // states holds h_0...h_T: the kept ones are h_{discard+1}...h_{discard+kept}.
            try trajectory.states.data.withUnsafeBufferPointer { states in
                try visit(states.baseAddress! + (discard + 1) * slice, kept)
            }
            done += kept
        }
    }
}
