/// One batch of trials: inputs (T × B × in), targets (T × B × out) and the loss mask (T × B,
/// 1 where the loss and accuracy are taken). For cross-entropy tasks the targets are one-hot.
public struct Batch: Equatable, Sendable {
    public var inputs: Tensor3
    public var targets: Tensor3
    public var mask: Matrix
    /// h_0 of each trial (B × N, row-major), nil for h_0 = 0: drawn by the trainer when the model asks
    /// for a random initial state (`ModelSpec.initialStateScale`), so tasks need not know N.
    public var initialState: [Double]? = nil

    public init(inputs: Tensor3, targets: Tensor3, mask: Matrix) {
        precondition(inputs.steps == targets.steps && inputs.batch == targets.batch)
        precondition(mask.rows == inputs.steps && mask.cols == inputs.batch)
        self.inputs = inputs
        self.targets = targets
        self.mask = mask
    }

    public init(steps: Int, batch: Int, inputs nIn: Int, outputs nOut: Int) {
        self.init(
            inputs: Tensor3(steps: steps, batch: batch, width: nIn),
            targets: Tensor3(steps: steps, batch: batch, width: nOut),
            mask: Matrix(rows: steps, cols: batch))
    }

    public var steps: Int { inputs.steps }
    public var size: Int { inputs.batch }
    /// Number of masked (t, b) pairs.
    public var maskedCount: Double { mask.data.reduce(0, +) }
}

public enum LossKind: String, Codable, Sendable, CaseIterable {
    /// Mean over masked (t, b) pairs and outputs of (y - y*)².
    case mse
    /// Mean over masked (t, b) pairs of -sum_k y*_k log softmax(y)_k.
    case crossEntropy = "cross-entropy"
    /// Several 2-class readout heads side by side (curricula: one head per N): outputs in groups of
    /// 2, one softmax cross-entropy per group, summed over the groups whose target is not all zero
    /// (an inactive head has zero targets: no loss, no gradient), mean over masked (t, b) pairs.
    case headwiseCrossEntropy = "headwise-cross-entropy"
}
