/// h_0 = scale·U(0, 1) per trial and neuron: the ICLR 2024 code's `0.1 * torch.rand(batch, N)` at
/// every forward pass (`ModelSpec.initialStateScale`). The trainer attaches a draw to each batch it
/// trains or evaluates on; each use has its own stream, so the task data, the validation set and the
/// rule's noise are the same with and without random initial states.
public final class InitialStateSampler: @unchecked Sendable {
    public let scale: Double
    public let hidden: Int
    let rng: RandomSource

    public init(scale: Double, hidden: Int, rng: RandomSource) {
        self.scale = scale
        self.hidden = hidden
        self.rng = rng
    }

    /// Samplers for the run's streams ("initial-state", "validation/initial-state", "test/initial-state")
    /// when `spec` asks for random initial states; nil otherwise.
    static func make(_ spec: ModelSpec, seed: UInt64, stream: String) -> InitialStateSampler? {
        guard let scale = spec.initialStateScale else { return nil }
        return InitialStateSampler(scale: scale, hidden: spec.hidden, rng: RandomSource(seed: seed, stream: stream))
    }

    /// Draws h_0 for every trial of `batch` (B × N, row-major).
    public func attach(to batch: inout Batch) {
        var state = [Double](repeating: 0, count: batch.size * hidden)
        for i in state.indices { state[i] = scale * rng.uniform() }
        batch.initialState = state
    }
}

extension Optional where Wrapped == InitialStateSampler {
    /// `batch` with a drawn initial state, or unchanged (h_0 = 0) without a sampler.
    func attached(_ batch: Batch) -> Batch {
        guard let sampler = self else { return batch }
        var b = batch
        sampler.attach(to: &b)
        return b
    }
}
